package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type releasesVerifyOptions struct {
	json bool
}

func newReleasesVerifyCommand(g *globals) *cobra.Command {
	var opts releasesVerifyOptions
	cmd := &cobra.Command{
		Use:   "releases:verify",
		Short: "Check that an app's release history is intact",
		Long: `Check the digest chain of an app's releases: each release's digest covers its
content and the digest of the release before it, so a release changed or
removed after the fact breaks the chain there. Exits 1 if it is broken (with
--json, after printing the result).`,
		Example: "  paasctl releases:verify -a hello",
		GroupID: groupReleases,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReleasesVerify(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the verification as JSON")
	return cmd
}

func runReleasesVerify(cmd *cobra.Command, g *globals, opts *releasesVerifyOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	v, err := client.VerifyReleases(cmd.Context(), name)
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	if opts.json {
		if err := printJSON(cmd.OutOrStdout(), v); err != nil {
			return err
		}
	}
	if !v.OK {
		return brokenChain(name, v)
	}
	if opts.json {
		return nil
	}
	noun := "releases"
	if v.Checked == 1 {
		noun = "release"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %d %s, chain intact\n", name, v.Checked, noun)
	return nil
}

// brokenChain is the error for a chain that does not verify:
// "hello: chain broken at v2: <problem>".
func brokenChain(app string, v api.Verification) error {
	msg := app + ": chain broken"
	if v.FirstBad > 0 {
		msg += fmt.Sprintf(" at v%d", v.FirstBad)
	}
	if v.Problem != "" {
		msg += ": " + v.Problem
	}
	return errors.New(msg)
}
