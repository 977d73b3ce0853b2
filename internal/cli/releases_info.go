package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type releasesInfoOptions struct {
	version int // 0: the current release
	json    bool
}

func newReleasesInfoCommand(g *globals) *cobra.Command {
	var opts releasesInfoOptions
	cmd := &cobra.Command{
		Use:     "releases:info [vN]",
		Short:   "Show a release: its build, config keys and process types",
		Long:    "Show a release of an app; without vN, the current one. Versions are given as v3 or 3.",
		Example: "  paasctl releases:info v3 -a hello\n  paasctl releases:info --json",
		GroupID: groupReleases,
		Args:    optionalArg("vN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				v, err := api.ParseVersion(args[0])
				if err != nil {
					return err
				}
				opts.version = v
			}
			return runReleasesInfo(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the release as JSON")
	return cmd
}

func runReleasesInfo(cmd *cobra.Command, g *globals, opts *releasesInfoOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	var rel api.Release
	if opts.version == 0 {
		rel, err = currentRelease(cmd, client, name)
	} else {
		rel, err = client.Release(cmd.Context(), name, opts.version)
		err = withHint(err, api.IDNotFound, "run paasctl releases -a "+name+" to list its releases")
	}
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if opts.json {
		return printJSON(out, rel)
	}
	version := fmt.Sprintf("v%d", rel.Version)
	if rel.Current {
		version += " (current)"
	}
	fmt.Fprintf(out, "=== %s Release v%d\n", name, rel.Version)
	tw := newTable(out)
	fmt.Fprintf(tw, "Version:\t%s\n", version)
	fmt.Fprintf(tw, "Status:\t%s\n", orNone(rel.Status))
	fmt.Fprintf(tw, "Description:\t%s\n", rel.Description)
	fmt.Fprintf(tw, "By:\t%s\n", rel.CreatedBy)
	fmt.Fprintf(tw, "When:\t%s\n", rel.CreatedAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(tw, "Commit:\t%s\n", orNone(rel.Commit))
	fmt.Fprintf(tw, "Image:\t%s\n", orNone(rel.Image))
	fmt.Fprintf(tw, "Build:\t%s\n", orNone(build(rel.BuildID)))
	fmt.Fprintf(tw, "Config vars:\t%s\n", orNone(strings.Join(rel.ConfigKeys, ", ")))
	fmt.Fprintf(tw, "Process types:\t%s\n", orNone(strings.Join(rel.ProcessTypes, ", ")))
	fmt.Fprintf(tw, "Digest:\t%s\n", orNone(rel.Digest))
	return tw.Flush()
}

// currentRelease is the app's live release.
func currentRelease(cmd *cobra.Command, c *api.Client, app string) (api.Release, error) {
	rels, err := c.Releases(cmd.Context(), app)
	if err != nil {
		return api.Release{}, withHint(err, api.IDNotFound, hintListApps)
	}
	for _, r := range rels {
		if r.Current {
			return r, nil
		}
	}
	if len(rels) == 0 {
		return api.Release{}, fmt.Errorf("%s has no releases yet: deploy it with git push %s main", app, remoteName)
	}
	return api.Release{}, fmt.Errorf("%s has no release live: name one, as in paasctl releases:info v%d, or run paasctl releases to list them", app, rels[0].Version)
}

func build(id int) string {
	if id == 0 {
		return ""
	}
	return fmt.Sprint(id)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
