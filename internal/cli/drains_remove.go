package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type drainsRemoveOptions struct {
	drain string // ID or URL
}

func newDrainsRemoveCommand(g *globals) *cobra.Command {
	var opts drainsRemoveOptions
	return &cobra.Command{
		Use:   "drains:remove URL|ID",
		Short: "Stop sending an app's log stream to a drain",
		Long: `Remove a log drain, given its URL or its ID (as paasctl drains shows them).
Lines still queued for it are not sent.`,
		Example: "  paasctl drains:remove d.1a2b3c4d -a hello\n  paasctl drains:remove syslog+tls://logs.example.com:6514",
		GroupID: groupApps,
		Args:    exactArgs("URL|ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.drain = args[0]
			return runDrainsRemove(cmd, g, &opts)
		},
	}
}

func runDrainsRemove(cmd *cobra.Command, g *globals, opts *drainsRemoveOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	what := opts.drain
	if strings.Contains(what, "://") {
		what = redact(what) // a password typed into the URL is not echoed
	}
	fmt.Fprintf(out, "Removing log drain %s from %s... ", what, name)
	if err := client.RemoveDrain(cmd.Context(), name, opts.drain); err != nil {
		fmt.Fprintln(out, "failed")
		if api.IsNotFound(err) && !strings.HasPrefix(err.Error(), fmt.Sprintf("app %q", name)) {
			// The app is there; the drain is not.
			return fmt.Errorf("%w: paasctl drains -a %s lists its drains", err, name)
		}
		return withHint(err, api.IDNotFound, hintListApps)
	}
	fmt.Fprintln(out, "done")
	return nil
}
