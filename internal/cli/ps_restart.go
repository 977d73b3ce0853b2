package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type psRestartOptions struct {
	processType string // "": every type
}

func newPsRestartCommand(g *globals) *cobra.Command {
	var opts psRestartOptions
	return &cobra.Command{
		Use:   "ps:restart [TYPE]",
		Short: "Restart an app's processes, with no downtime",
		Long: `Replace the app's processes of TYPE, or of every type, with new ones of the
same release, as a deploy does: new web processes take traffic once they are
healthy, then the old ones finish their requests and stop.`,
		Example: "  paasctl ps:restart -a hello\n  paasctl ps:restart worker",
		GroupID: groupProcesses,
		Args:    optionalArg("TYPE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if err := api.ValidateProcessType(args[0]); err != nil {
					return err
				}
				opts.processType = args[0]
			}
			return runPsRestart(cmd, g, &opts)
		},
	}
}

func runPsRestart(cmd *cobra.Command, g *globals, opts *psRestartOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	what := "all"
	if opts.processType != "" {
		what = opts.processType
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Restarting %s processes of %s... ", what, name)
	if _, err := client.Restart(cmd.Context(), name, opts.processType); err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, hintListApps)
	}
	fmt.Fprintln(out, "done")
	return nil
}
