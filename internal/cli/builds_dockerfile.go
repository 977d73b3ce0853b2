package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type buildsDockerfileOptions struct {
	json bool
}

// newBuildsDockerfileCommand prints the Dockerfile paas builds the app's
// deployed commit with, so that a user can eject and own it.
func newBuildsDockerfileCommand(g *globals) *cobra.Command {
	var opts buildsDockerfileOptions
	cmd := &cobra.Command{
		Use:   "builds:dockerfile",
		Short: "Print the Dockerfile paas builds the app with",
		Long: `Print the Dockerfile paas generates for the deployed commit of an app that
has none (how it was detected goes to stderr), or the app's own. To own the
build, save it as Dockerfile at the root of the repository and push:

  paasctl builds:dockerfile > Dockerfile

It builds FROM the stack images paasd makes on this machine (paas-stack/...).`,
		Example: "  paasctl builds:dockerfile -a hello",
		GroupID: groupBuilds,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			df, err := client.Dockerfile(cmd.Context(), name)
			if err != nil {
				return withHint(err, api.IDNotFound, "deploy it first with git push, or run paasctl apps to list the apps")
			}
			if opts.json {
				return printJSON(cmd.OutOrStdout(), df)
			}
			how := df.Name + " app"
			if df.Version != "" {
				how += ", " + df.Version
			}
			if df.Builder == "dockerfile" {
				how = "its own Dockerfile"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s builds commit %s from %s\n", name, shortCommit(df.Commit, 7), how)
			fmt.Fprint(cmd.OutOrStdout(), df.Dockerfile)
			return nil
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print {commit, builder, name, version, dockerfile} as JSON")
	return cmd
}
