package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/version"
)

type versionOptions struct {
	json bool
}

// versionReport is `paasctl version --json`: this paasctl, and the paasd it
// talks to when that answers (server is absent, and server_error says why,
// when it does not).
type versionReport struct {
	Client      version.Info `json:"client"`
	ServerURL   string       `json:"server_url,omitempty"`
	Server      *api.Health  `json:"server,omitempty"`
	ServerError string       `json:"server_error,omitempty"`
}

// serverVersionTimeout keeps `paasctl version` quick when paasd is down:
// the client's own version is the point of the command.
const serverVersionTimeout = 3 * time.Second

func newVersionCommand() *cobra.Command {
	var opts versionOptions
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print paasctl's version, and paasd's when it answers",
		GroupID: groupOther,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVersion(cmd, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the versions as JSON")
	return cmd
}

func runVersion(cmd *cobra.Command, opts *versionOptions) error {
	r := versionReport{Client: version.Get()}
	if _, u, err := savedServer(); err != nil {
		r.ServerError = err.Error()
	} else {
		r.ServerURL = u
		ctx, cancel := context.WithTimeout(cmd.Context(), serverVersionTimeout)
		defer cancel()
		// /healthz is open: no token is sent for it.
		if h, err := api.NewClient(u, "").Health(ctx); err != nil {
			r.ServerError = describe(err)
		} else {
			r.Server = &h
		}
	}
	out := cmd.OutOrStdout()
	if opts.json {
		return printJSON(out, r)
	}
	fmt.Fprintln(out, "paasctl", r.Client)
	switch {
	case r.Server != nil:
		fmt.Fprintf(out, "paasd   %s (commit %s, %s) at %s\n", r.Server.Version, shortCommit(r.Server.Commit, 12), r.Server.Go, r.ServerURL)
	default:
		fmt.Fprintf(out, "paasd   unknown: %s\n", r.ServerError)
	}
	return nil
}
