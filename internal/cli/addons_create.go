package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type addonsCreateOptions struct {
	as   string
	json bool
}

func newAddonsCreateCommand(g *globals) *cobra.Command {
	var opts addonsCreateOptions
	cmd := &cobra.Command{
		Use:   "addons:create SERVICE [--as NAME]",
		Short: "Create a Postgres or Redis add-on and attach it to the app",
		Long: `Create a backing service for the app, postgres or redis: paasd runs it as a
container with its data on a Docker volume, reachable by the app's processes
only, and sets its URL as a config var (DATABASE_URL, REDIS_URL; --as NAME
gives NAME_URL), which makes a new release. The first add-on of a service
makes its image from Debian's packages, once per machine (a few minutes).`,
		Example: "  paasctl addons:create postgres -a hello\n  paasctl addons:create redis --as CACHE",
		GroupID: groupAddons,
		Args:    exactArgs("SERVICE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !opts.json {
				fmt.Fprintf(out, "Creating %s on %s... ", args[0], name)
			}
			a, err := client.CreateAddon(cmd.Context(), name, args[0], opts.as)
			if err != nil {
				if !opts.json {
					fmt.Fprintln(out, "failed")
				}
				return withHint(err, api.IDNotFound, hintListApps)
			}
			if opts.json {
				return printJSON(out, a)
			}
			fmt.Fprintln(out, "done")
			for _, v := range a.ConfigVars {
				fmt.Fprintf(out, "Created %s as %s\n", a.Name, v)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.as, "as", "", "the config var prefix: NAME gives NAME_URL")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the add-on as JSON")
	return cmd
}
