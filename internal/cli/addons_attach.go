package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type addonsAttachOptions struct {
	as string
}

func newAddonsAttachCommand(g *globals) *cobra.Command {
	var opts addonsAttachOptions
	cmd := &cobra.Command{
		Use:   "addons:attach ADDON -a APP [--as NAME]",
		Short: "Give another app an add-on too: one database shared by two apps",
		Long: `Attach an add-on to one more app: its processes reach the service too, and
its URL is set as that app's config var (DATABASE_URL or REDIS_URL when free,
else the add-on's name; --as NAME gives NAME_URL), a new release.`,
		Example: "  paasctl addons:attach postgres-1a2b3c -a worker-app",
		GroupID: groupAddons,
		Args:    exactArgs("ADDON"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			at, err := client.AttachAddon(cmd.Context(), args[0], name, opts.as)
			if err != nil {
				return withHint(err, api.IDNotFound, "run paasctl addons --all to list the add-ons")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Attached %s to %s as %s_URL\n", args[0], name, at.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.as, "as", "", "the config var prefix: NAME gives NAME_URL")
	return cmd
}

func newAddonsDetachCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "addons:detach ADDON -a APP",
		Short: "Take an add-on away from an app it is attached to",
		Long: `Detach an add-on from an app that does not own it: its config var is unset (a
new release) and its processes no longer reach the service. The data stays; to
delete it, destroy the add-on.`,
		Example: "  paasctl addons:detach postgres-1a2b3c -a worker-app",
		GroupID: groupAddons,
		Args:    exactArgs("ADDON"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			if err := client.DetachAddon(cmd.Context(), args[0], name); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Detached %s from %s\n", args[0], name)
			return nil
		},
	}
}
