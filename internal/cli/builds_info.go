package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type buildsInfoOptions struct {
	json bool
}

func newBuildsInfoCommand(g *globals) *cobra.Command {
	var opts buildsInfoOptions
	cmd := &cobra.Command{
		Use:     "builds:info [ID]",
		Short:   "Show a build: its status, builder, source, timing and release",
		Long:    "Show a build of an app, by its id or the first 8 or more characters of it; without an ID, the newest.",
		Example: "  paasctl builds:info -a hello\n  paasctl builds:info 1a2b3c4d --json",
		GroupID: groupBuilds,
		Args:    optionalArg("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			bs, err := client.Builds(cmd.Context(), name)
			if err != nil {
				return withHint(err, api.IDNotFound, hintListApps)
			}
			ident := ""
			if len(args) == 1 {
				ident = args[0]
			}
			b, err := findBuild(bs, name, ident)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if opts.json {
				return printJSON(out, b)
			}
			fmt.Fprintf(out, "=== %s Build %s\n", name, b.ID)
			tw := newTable(out)
			fmt.Fprintf(tw, "Status:\t%s\n", b.Status)
			if b.Error != "" {
				fmt.Fprintf(tw, "Error:\t%s\n", b.Error)
			}
			fmt.Fprintf(tw, "Builder:\t%s\n", orNone(b.Builder))
			fmt.Fprintf(tw, "Source:\t%s\n", orNone(b.Source))
			fmt.Fprintf(tw, "Commit:\t%s\n", orNone(b.Commit))
			if b.Image != "" {
				fmt.Fprintf(tw, "Image:\t%s\n", b.Image)
			}
			if b.SourceBlob.URL != "" {
				fmt.Fprintf(tw, "Source blob:\t%s\n", b.SourceBlob.URL)
			}
			fmt.Fprintf(tw, "Created:\t%s\n", b.CreatedAt.UTC().Format(time.RFC3339))
			if b.StartedAt != nil {
				fmt.Fprintf(tw, "Started:\t%s\n", b.StartedAt.UTC().Format(time.RFC3339))
			}
			fmt.Fprintf(tw, "Duration:\t%s\n", orNone(buildDuration(b, time.Now())))
			release := ""
			if b.Release != nil {
				release = b.Release.ID
			}
			fmt.Fprintf(tw, "Release:\t%s\n", orNone(release))
			fmt.Fprintf(tw, "Output:\tpaasctl builds:output %s -a %s\n", shortCommit(b.ID, 8), name)
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the build as JSON")
	return cmd
}
