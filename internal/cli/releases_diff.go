package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type releasesDiffOptions struct {
	from, to int
	json     bool
}

func newReleasesDiffCommand(g *globals) *cobra.Command {
	var opts releasesDiffOptions
	cmd := &cobra.Command{
		Use:   "releases:diff vA vB",
		Short: "Show what changed between two releases",
		Long: `Show what changed from release vA to release vB: the commit and image, the
config vars added (+), removed (-) or changed (~), by name only, and the
process types. Versions are given as v3 or 3.`,
		Example: "  paasctl releases:diff v1 v3 -a hello",
		GroupID: groupReleases,
		Args:    exactArgs("vA", "vB"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.from, err = api.ParseVersion(args[0]); err != nil {
				return err
			}
			if opts.to, err = api.ParseVersion(args[1]); err != nil {
				return err
			}
			return runReleasesDiff(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the differences as JSON")
	return cmd
}

func runReleasesDiff(cmd *cobra.Command, g *globals, opts *releasesDiffOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	d, err := client.DiffReleases(cmd.Context(), name, opts.from, opts.to)
	if err != nil {
		return withHint(err, api.IDNotFound, "run paasctl releases -a "+name+" to list its releases")
	}
	out := cmd.OutOrStdout()
	if opts.json {
		return printJSON(out, d)
	}
	fmt.Fprintf(out, "=== %s v%d -> v%d\n", name, d.From, d.To)
	tw := newTable(out)
	fmt.Fprintf(tw, "Commit:\t%s\n", change(shortCommit(d.CommitFrom, 7), shortCommit(d.CommitTo, 7)))
	fmt.Fprintf(tw, "Image:\t%s\n", change(d.ImageFrom, d.ImageTo))
	if err := tw.Flush(); err != nil {
		return err
	}
	printChanges(out, "Config vars", d.ConfigAdded, d.ConfigRemoved, d.ConfigChanged)
	printChanges(out, "Process types", d.ProcessesAdded, d.ProcessesRemoved, d.ProcessesChanged)
	return nil
}

// change shows one value's change: "a -> b", or "a (unchanged)".
func change(from, to string) string {
	if from == to {
		return orNone(from) + " (unchanged)"
	}
	return orNone(from) + " -> " + orNone(to)
}

// printChanges lists names as a diff does: + added, - removed, ~ changed.
func printChanges(w io.Writer, title string, added, removed, changed []string) {
	if len(added)+len(removed)+len(changed) == 0 {
		fmt.Fprintf(w, "%s: unchanged\n", title)
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for _, list := range []struct {
		mark  string
		names []string
	}{{"+", added}, {"-", removed}, {"~", changed}} {
		for _, n := range list.names {
			fmt.Fprintf(w, "%s %s\n", list.mark, n)
		}
	}
}

// shortCommit is a commit cut to n hex digits: descriptions show 7.
func shortCommit(c string, n int) string {
	if len(c) > n {
		return c[:n]
	}
	return c
}
