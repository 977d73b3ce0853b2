package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

func newLoginCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "login",
		Short: "Save the API token for the daemon at $PAAS_URL",
		Long: `Read the daemon's API token from standard input, check it against the daemon
at $PAAS_URL, and save both for later commands (readable by you alone).
The token is PAAS_API_TOKEN in the daemon's environment, or the file api-token
in its data directory. It is never taken as an argument, which would leave it
in the shell's history and the process list.`,
		Example: "  paasctl login\n  PAAS_URL=http://paas.example.com:7070 paasctl login < token.txt",
		GroupID: groupOther,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogin(cmd)
		},
	}
}

func runLogin(cmd *cobra.Command) error {
	creds, err := loadCredentials()
	if err != nil {
		return err
	}
	u, err := serverURL(creds)
	if err != nil {
		return err
	}
	token, err := readToken(cmd.Context(), cmd.InOrStdin(), cmd.ErrOrStderr(), u)
	if err != nil {
		return err
	}
	if token == "" {
		return errors.New("no token given: paste the daemon's API token on standard input (it is PAAS_API_TOKEN in the daemon's environment, or the file api-token in its data directory)")
	}

	if _, err := api.NewClient(u, token).Apps(cmd.Context()); err != nil {
		var apiErr *api.Error
		if errors.As(err, &apiErr) && apiErr.ID == api.IDUnauthorized {
			return fmt.Errorf("log in to %s: the daemon refused this token: check that it is the daemon's API token and try again", u)
		}
		return fmt.Errorf("log in to %s: %w", u, err)
	}
	path, err := saveCredentials(credentials{URL: u, Token: token})
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Logged in to %s\nSaved the token to %s\n", u, path)
	return nil
}
