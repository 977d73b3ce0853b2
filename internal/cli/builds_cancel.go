package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

func newBuildsCancelCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "builds:cancel [ID]",
		Short: "Cancel a build that waits or builds",
		Long: `Cancel a pending or building build, by its id or the first 8 or more
characters of it; without an ID, the newest one running. Its push is
rejected and the release live keeps serving. A build already releasing
cannot be cancelled.`,
		Example: "  paasctl builds:cancel -a hello",
		GroupID: groupBuilds,
		Args:    optionalArg("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			id := "latest"
			if len(args) == 1 {
				id = args[0]
			}
			b, err := client.CancelBuild(cmd.Context(), name, id)
			if err != nil {
				return withHint(err, api.IDNotFound, "run paasctl builds -a "+name+" to list its builds")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Cancelling build %s of %s\n", shortCommit(b.ID, 8), name)
			return nil
		},
	}
}
