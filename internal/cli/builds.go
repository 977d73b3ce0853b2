package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

// defaultBuildsShown is how many builds paasctl builds lists.
const defaultBuildsShown = 15

type buildsOptions struct {
	json bool
	num  int
}

func newBuildsCommand(g *globals) *cobra.Command {
	var opts buildsOptions
	cmd := &cobra.Command{
		Use:   "builds",
		Short: "List an app's builds, newest first",
		Long: `List an app's builds, newest first: every git push, source blob and image
deploy, with its status (pending while it waits for a build slot, building,
succeeded, failed, cancelled), how it was built, its commit, when it started
and how long it took.`,
		Example: "  paasctl builds -a hello\n  paasctl builds -n 50 --json",
		GroupID: groupBuilds,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.num < 1 {
				return fmt.Errorf("-n %d: give a number of builds, 1 or more", opts.num)
			}
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			bs, err := client.Builds(cmd.Context(), name)
			if err != nil {
				return withHint(err, api.IDNotFound, hintListApps)
			}
			slices.Reverse(bs)
			bs = bs[:min(len(bs), opts.num)]
			out := cmd.OutOrStdout()
			if opts.json {
				return printJSON(out, bs)
			}
			if len(bs) == 0 {
				fmt.Fprintf(out, "%s has no builds yet: deploy it with git push %s main\n", name, remoteName)
				return nil
			}
			fmt.Fprintf(out, "=== %s Builds\n", name)
			tw := newTable(out)
			fmt.Fprintln(tw, "ID\tSTATUS\tBUILDER\tSOURCE\tSTARTED\tDURATION")
			for _, b := range bs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", shortCommit(b.ID, 8), b.Status, orNone(b.Builder), buildSource(b),
					b.CreatedAt.UTC().Format(time.RFC3339), orNone(buildDuration(b, time.Now())))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the builds as JSON")
	cmd.Flags().IntVarP(&opts.num, "num", "n", defaultBuildsShown, "how many builds to show")
	return cmd
}

// buildSource is where a build came from, in a few words: "git push
// 1a2b3c4", "image web:1".
func buildSource(b api.Build) string {
	switch {
	case b.Image != "":
		return "image " + b.Image
	case b.Commit != "":
		return orNone(b.Source) + " " + shortCommit(b.Commit, 7)
	}
	return orNone(b.Source)
}

// buildDuration is how long b has taken since it left the queue: until
// now while it runs; "" before it started.
func buildDuration(b api.Build, now time.Time) string {
	if b.StartedAt == nil {
		return ""
	}
	end := b.UpdatedAt
	if b.Status == api.BuildPending || b.Status == api.BuildBuilding {
		end = now
	}
	return end.Sub(*b.StartedAt).Round(time.Second).String()
}

// findBuild is the build whose id is ident or starts with it; "" is the
// newest.
func findBuild(bs []api.Build, app, ident string) (api.Build, error) {
	if ident == "" {
		if len(bs) == 0 {
			return api.Build{}, fmt.Errorf("%s has no builds yet: deploy it with git push %s main", app, remoteName)
		}
		return bs[len(bs)-1], nil
	}
	var found []api.Build
	for _, b := range bs {
		if strings.EqualFold(b.ID, ident) {
			return b, nil
		}
		if strings.HasPrefix(b.ID, strings.ToLower(ident)) {
			found = append(found, b)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		return api.Build{}, fmt.Errorf("%d builds of %s start with %s: give more of the id", len(found), app, ident)
	}
	return api.Build{}, fmt.Errorf("%s has no build %s: run paasctl builds -a %s to list its builds", app, ident, app)
}
