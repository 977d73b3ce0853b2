package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

type gitCredentialOptions struct {
	operation string
}

// newGitCredentialCommand is the git credential helper that git:remote
// configures; git runs it, people don't.
func newGitCredentialCommand() *cobra.Command {
	var opts gitCredentialOptions
	return &cobra.Command{
		Use:    "git:credential get|store|erase",
		Short:  "Git credential helper: give git the API token as the password",
		Hidden: true,
		Args:   exactArgs("OPERATION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.operation = args[0]
			return runGitCredential(cmd, &opts)
		},
	}
}

func runGitCredential(cmd *cobra.Command, opts *gitCredentialOptions) error {
	attrs, err := readCredentialRequest(cmd.InOrStdin())
	if err != nil {
		return err
	}
	// The token is not git's to store or erase; it comes from paasctl's config.
	if opts.operation != "get" {
		return nil
	}
	creds, err := loadCredentials()
	if err != nil {
		return err
	}
	target, err := serverURL(creds)
	if err != nil {
		return err
	}
	// git asks about the server it is pushing to, which may not be $PAAS_URL.
	if attrs["protocol"] != "" && attrs["host"] != "" {
		target = attrs["protocol"] + "://" + attrs["host"]
	}
	token, err := tokenFor(target, creds)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "username=%s\npassword=%s\n", gitUsername, token)
	return nil
}

// readCredentialRequest reads git's key=value lines up to a blank line or EOF.
func readCredentialRequest(r io.Reader) (map[string]string, error) {
	attrs := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			attrs[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the credential request from git: %w", err)
	}
	return attrs, nil
}
