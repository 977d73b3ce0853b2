package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type deployOptions struct {
	image string
}

func newDeployCommand(g *globals) *cobra.Command {
	var opts deployOptions
	cmd := &cobra.Command{
		Use:   "deploy --image NAME[:TAG]",
		Short: "Release an image the Docker Engine has, without a build",
		Long: `Release an image that paasd's Docker Engine already has (docker images lists
them), as Dokku's git:from-image does: no build, the app's config vars, and
the image's own command as the web process. paas tags it as its own, so a
later cleanup of old releases never removes your tag. The output follows
until the release is live or has failed.`,
		Example: "  docker build -t myapp:1 . && paasctl deploy --image myapp:1 -a hello",
		GroupID: groupBuilds,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.image == "" {
				return errors.New("give the image to release: paasctl deploy --image NAME[:TAG]")
			}
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			b, err := client.DeployImage(cmd.Context(), name, opts.image)
			if err != nil {
				return withHint(err, api.IDNotFound, hintListApps)
			}
			if err := client.BuildOutput(cmd.Context(), name, b.ID, cmd.OutOrStdout()); err != nil {
				return err
			}
			if b, err = client.Build(cmd.Context(), name, b.ID); err != nil {
				return err
			}
			if b.Status != api.BuildSucceeded {
				return fmt.Errorf("deploy of %s %s: %s", opts.image, b.Status, b.Error)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.image, "image", "", "the image to release, NAME[:TAG] or an image ID")
	return cmd
}
