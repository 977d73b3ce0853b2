package cli

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

func newLoginCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "login",
		Short: "Save the API token for the daemon at $PAAS_URL",
		Long: `Read the daemon's API token from standard input, check it against the daemon
at $PAAS_URL, and save both for later commands: the URL in paasctl's config
directory, the token in ~/.netrc ($NETRC if set) for the daemon's host, where
git finds it too, so a plain git push to that host needs no other set-up.
Both files are readable by you alone.
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
	_, u, err := savedServer()
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
	host, err := urlHost(u)
	if err != nil {
		return err
	}
	netrc, shadowed, err := setNetrcMachine(host, gitUsername, token)
	if err != nil {
		return fmt.Errorf("log in to %s: %w", u, err)
	}
	if _, err := saveCredentials(credentials{URL: u}); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Logged in to %s\nSaved the token to %s (machine %s)\n", u, netrc, host)
	if shadowed {
		fmt.Fprintf(cmd.ErrOrStderr(), "Note: %s has an entry for %s with another login before this one; git uses the first, so give git remotes paasctl's credential helper (paasctl git:remote) or remove that entry\n", netrc, host)
	}
	return nil
}

func newLogoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Forget the API token saved for the daemon at $PAAS_URL",
		Long: `Remove the token paasctl login saved in ~/.netrc ($NETRC if set) for the
daemon's host, and the saved server URL. Other entries of ~/.netrc stay as
they are.`,
		GroupID: groupOther,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogout(cmd)
		},
	}
}

func runLogout(cmd *cobra.Command) error {
	creds, u, err := savedServer()
	if err != nil {
		return err
	}
	host, err := urlHost(u)
	if err != nil {
		return err
	}
	had, err := netrcPassword(host, gitUsername)
	if err != nil {
		return err
	}
	if had != "" {
		if _, _, err := setNetrcMachine(host, gitUsername, ""); err != nil {
			return fmt.Errorf("log out of %s: %w", u, err)
		}
	}
	if creds != nil {
		if err := removeCredentials(); err != nil {
			return err
		}
	}
	if had == "" && (creds == nil || creds.Token == "") {
		fmt.Fprintf(cmd.OutOrStdout(), "No token was saved for %s\n", u)
		return nil
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Logged out of %s\n", u)
	return nil
}

// urlHost is the host of a server URL as .netrc names it: no port.
func urlHost(u string) (string, error) {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Hostname() == "" {
		return "", fmt.Errorf("server URL %q has no host: fix PAAS_URL", u)
	}
	return strings.ToLower(parsed.Hostname()), nil
}
