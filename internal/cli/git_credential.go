package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
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
	token, local, err := tokenFor(target, creds)
	if err != nil {
		return err
	}
	if local {
		if err := checkLocalDaemonAt(cmd.Context(), target, token); err != nil {
			return err
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "username=%s\npassword=%s\n", gitUsername, token)
	return nil
}

// checkLocalDaemonAt makes sure the local paasd, asked through its socket,
// is what listens at target before git sends it the daemon's token: while
// paasd is down, anyone could be listening on its port.
func checkLocalDaemonAt(ctx context.Context, target, token string) error {
	socket, err := localSocket()
	if err != nil {
		return err
	}
	l, err := api.NewUnixClient(socket, token).Local(ctx)
	if err != nil {
		return fmt.Errorf("ask the local paasd where it listens: %w", err)
	}
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("read git's server %q: %w", target, err)
	}
	if !sameListener(u.Host, l.APIAddr) {
		return fmt.Errorf("the local paasd listens on %s, not %s: not sending it the local daemon's token (fix the git remote with paasctl git:remote)", l.APIAddr, u.Host)
	}
	return nil
}

// sameListener reports whether a client of host (git's "localhost:7070")
// reaches the listener at addr ("127.0.0.1:7070", or "0.0.0.0:7070" for all
// addresses).
func sameListener(host, addr string) bool {
	h, hport, err1 := net.SplitHostPort(host)
	a, aport, err2 := net.SplitHostPort(addr)
	if err1 != nil || err2 != nil || hport != aport {
		return false
	}
	if strings.EqualFold(h, a) {
		return true
	}
	ip := net.ParseIP(a)
	return ip != nil && ip.IsUnspecified() && isLoopback("http://"+host)
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
