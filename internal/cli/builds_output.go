package cli

import (
	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

func newBuildsOutputCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "builds:output [ID]",
		Short: "Print a build's output, following a build still running",
		Long: `Print the output of a build, by its id or the first 8 or more characters of
it; without an ID, the newest. paasd keeps the output of each app's newest 50
builds on disk, so it outlives a restart.`,
		Example: "  paasctl builds:output -a hello\n  paasctl builds:output 1a2b3c4d",
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
			err = client.BuildOutput(cmd.Context(), name, id, cmd.OutOrStdout())
			return withHint(err, api.IDNotFound, "run paasctl builds -a "+name+" to list its builds")
		},
	}
}
