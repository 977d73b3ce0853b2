package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type logsOptions struct {
	num    int
	tail   bool
	ps     string
	source string
	json   bool
}

func newLogsCommand(g *globals) *cobra.Command {
	var opts logsOptions
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Show an app's log stream: its processes' output, router lines and platform events",
		Long: `Show an app's log stream: what its processes write to stdout and stderr
(source app), the router's access lines (router) and the platform's events
(paas: builds, releases, process starts, exits and restarts), in one stream.

Lines look like:
  2026-11-26T09:00:00.123456Z app[web.1]: listening on 5000

With --tail, new lines keep coming until Ctrl-C. On a terminal, control
characters that apps wrote are shown escaped (ESC as \x1b), so a line cannot
retitle or clear the screen; piped output and --json keep every byte.`,
		Example: "  paasctl logs -a hello\n  paasctl logs -t --ps web\n  paasctl logs -n 500 --source router\n  paasctl logs -t --ps web.2 --json",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogs(cmd, g, &opts)
		},
	}
	cmd.Flags().IntVarP(&opts.num, "num", "n", api.DefaultLogLines, "how many recent lines to show")
	cmd.Flags().BoolVarP(&opts.tail, "tail", "t", false, "keep streaming new lines")
	cmd.Flags().StringVarP(&opts.ps, "ps", "p", "", "only this process type (web) or process (web.2)")
	cmd.Flags().StringVarP(&opts.source, "source", "s", "", "only lines of this source: app, router, paas or addon")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print one JSON object per line")
	return cmd
}

func runLogs(cmd *cobra.Command, g *globals, opts *logsOptions) error {
	if opts.num < 0 {
		return fmt.Errorf("-n %d: give a number of lines, 0 or more", opts.num)
	}
	switch opts.source {
	case "", api.LogSourceApp, api.LogSourceRouter, api.LogSourcePaas, api.LogSourceAddon:
	default:
		return fmt.Errorf("--source %q: use app, router, paas or addon", opts.source)
	}
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if opts.tail {
		// Ctrl-C is how a tail ends: not a failure.
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	out := cmd.OutOrStdout()
	if f, ok := out.(*os.File); ok && isTerminal(f) && !opts.json {
		out = newControlEscaper(out)
	}
	err = client.Logs(ctx, name, api.LogOptions{
		Lines:   opts.num,
		Tail:    opts.tail,
		Process: opts.ps,
		Source:  opts.source,
		JSON:    opts.json,
	}, out)
	if opts.tail && errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return withHint(err, api.IDNotFound, hintListApps)
}
