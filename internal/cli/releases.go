package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

// defaultReleasesShown is how many releases paasctl releases lists, as on Heroku.
const defaultReleasesShown = 15

// statusSucceeded is the status of a release that went live as asked.
const statusSucceeded = "succeeded"

type releasesOptions struct {
	json bool
	num  int
}

func newReleasesCommand(g *globals) *cobra.Command {
	var opts releasesOptions
	cmd := &cobra.Command{
		Use:     "releases",
		Short:   "List an app's releases, newest first",
		Example: "  paasctl releases -a hello\n  paasctl releases -n 50 --json",
		GroupID: groupReleases,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReleases(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the releases as JSON")
	cmd.Flags().IntVarP(&opts.num, "num", "n", defaultReleasesShown, "how many releases to show")
	return cmd
}

func runReleases(cmd *cobra.Command, g *globals, opts *releasesOptions) error {
	if opts.num < 1 {
		return fmt.Errorf("-n %d: give a number of releases, 1 or more", opts.num)
	}
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	rels, err := client.Releases(cmd.Context(), name)
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	current := 0
	for _, r := range rels {
		if r.Current {
			current = r.Version
		}
	}
	rels = rels[:min(len(rels), opts.num)]
	out := cmd.OutOrStdout()
	if opts.json {
		if rels == nil {
			rels = []api.Release{} // an empty list, never null
		}
		return printJSON(out, rels)
	}
	if len(rels) == 0 {
		fmt.Fprintf(out, "%s has no releases yet: deploy it with git push %s main\n", name, remoteName)
		return nil
	}
	if current == 0 {
		fmt.Fprintf(out, "=== %s Releases\n", name)
	} else {
		fmt.Fprintf(out, "=== %s Releases - Current: v%d\n", name, current)
	}
	tw := newTable(out)
	for _, r := range rels {
		fmt.Fprintf(tw, "v%d\t%s\t%s\t%s", r.Version, describeRelease(r), r.CreatedBy, r.CreatedAt.UTC().Format(time.RFC3339))
		if r.Current {
			fmt.Fprint(tw, "\tcurrent")
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// describeRelease is the release's description, with its status unless it
// succeeded: "Deploy 1a2b3c4 (failed)".
func describeRelease(r api.Release) string {
	if r.Status == "" || r.Status == statusSucceeded {
		return r.Description
	}
	return fmt.Sprintf("%s (%s)", r.Description, r.Status)
}
