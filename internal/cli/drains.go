package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type drainsOptions struct {
	json bool
}

func newDrainsCommand(g *globals) *cobra.Command {
	var opts drainsOptions
	cmd := &cobra.Command{
		Use:   "drains",
		Short: "List an app's log drains and how delivery to each is going",
		Long: `List an app's log drains: destinations that get every line of the app's log
stream, as paasctl logs shows it. For each: lines queued, sent and dropped
(when the destination is down or slow and the queue is full), whether it is
connected, and its last delivery error. Credentials in drain URLs are hidden.`,
		Example: "  paasctl drains -a hello\n  paasctl drains --json",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDrains(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the drains as JSON")
	return cmd
}

func runDrains(cmd *cobra.Command, g *globals, opts *drainsOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	drains, err := client.Drains(cmd.Context(), name)
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	out := cmd.OutOrStdout()
	if opts.json {
		if drains == nil {
			drains = []api.Drain{}
		}
		return printJSON(out, drains)
	}
	if len(drains) == 0 {
		fmt.Fprintf(out, "%s has no drains: add one with paasctl drains:add URL -a %s\n", name, name)
		return nil
	}
	fmt.Fprintf(out, "=== %s Drains\n", name)
	tw := newTable(out)
	fmt.Fprintln(tw, "ID\tURL\tSTATUS\tQUEUED\tSENT\tDROPPED\tLAST ERROR")
	for _, d := range drains {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", d.Token, d.URL, drainStatus(d), d.Queued, d.Sent, d.Dropped, drainLastError(d))
	}
	return tw.Flush()
}

func drainStatus(d api.Drain) string {
	if d.Connected {
		return "connected"
	}
	return "disconnected"
}

// drainLastError is the last error with when it happened, on one line.
func drainLastError(d api.Drain) string {
	if d.LastError == "" {
		return "-"
	}
	if d.LastErrorAt == nil {
		return d.LastError
	}
	return d.LastErrorAt.UTC().Format(time.RFC3339) + " " + d.LastError
}
