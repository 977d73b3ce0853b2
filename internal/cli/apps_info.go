package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type appsInfoOptions struct {
	json bool
}

func newAppsInfoCommand(g *globals) *cobra.Command {
	var opts appsInfoOptions
	cmd := &cobra.Command{
		Use:     "apps:info",
		Short:   "Show an app: its URLs, current release and processes",
		Example: "  paasctl apps:info -a hello",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAppsInfo(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the app as JSON")
	return cmd
}

func runAppsInfo(cmd *cobra.Command, g *globals, opts *appsInfoOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	app, err := client.App(cmd.Context(), name)
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	out := cmd.OutOrStdout()
	if opts.json {
		return printJSON(out, app)
	}
	fmt.Fprintf(out, "=== %s\n", app.Name)
	tw := newTable(out)
	fmt.Fprintf(tw, "Web URL:\t%s\n", app.WebURL)
	fmt.Fprintf(tw, "Git URL:\t%s\n", app.GitURL)
	fmt.Fprintf(tw, "Release:\t%s\n", release(app.CurrentRelease))
	if app.Commit != "" {
		fmt.Fprintf(tw, "Commit:\t%s\n", app.Commit)
	}
	fmt.Fprintf(tw, "Created:\t%s\n", app.CreatedAt.UTC().Format(time.RFC3339))
	if app.Maintenance {
		fmt.Fprintf(tw, "Maintenance:\ton (every request gets 503; paasctl maintenance:off -a %s ends it)\n", app.Name)
	}
	if len(app.Processes) == 0 {
		fmt.Fprintf(tw, "Processes:\tnone\n")
		return tw.Flush()
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\n=== Processes")
	tw = newTable(out)
	for _, p := range app.Processes {
		fmt.Fprintf(tw, "%s\t%s\t%s\tsince %s\n", p.Name, p.State, release(p.Release.Version), p.StartedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}
