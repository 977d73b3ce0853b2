package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type rollbackOptions struct {
	version int // 0: the release before the current one, as the daemon decides
}

func newRollbackCommand(g *globals) *cobra.Command {
	var opts rollbackOptions
	return &cobra.Command{
		Use:   "rollback [vN]",
		Short: "Roll back to an earlier release, without a build",
		Long: `Make a new release with the build and config of release vN (by default the
one before the current release) and run it. Nothing is rebuilt, and the
releases in between stay in the history. Versions are given as v3 or 3.`,
		Example: "  paasctl rollback -a hello\n  paasctl rollback v3",
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
			return runRollback(cmd, g, &opts)
		},
	}
}

func runRollback(cmd *cobra.Command, g *globals, opts *rollbackOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if opts.version == 0 {
		fmt.Fprintf(out, "Rolling back %s... ", name)
	} else {
		fmt.Fprintf(out, "Rolling back %s to v%d... ", name, opts.version)
	}
	rel, err := client.Rollback(cmd.Context(), name, opts.version)
	if err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, "run paasctl releases -a "+name+" to list its releases")
	}
	if opts.version == 0 {
		// The daemon chose the release: its description names it.
		fmt.Fprintf(out, "%s (%s)\n", doneAt(rel.Version), rel.Description)
		return nil
	}
	fmt.Fprintln(out, doneAt(rel.Version))
	return nil
}
