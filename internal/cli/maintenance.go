package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type maintenanceOptions struct {
	json bool
}

// newMaintenanceCommand shows whether the app is in maintenance mode, as
// Heroku's `maintenance` does.
func newMaintenanceCommand(g *globals) *cobra.Command {
	var opts maintenanceOptions
	cmd := &cobra.Command{
		Use:   "maintenance",
		Short: "Show whether an app is in maintenance mode",
		Long: `In maintenance mode the router answers every request to the app with 503
(H80) and a page saying so; its processes keep running.`,
		Example: "  paasctl maintenance -a hello",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			app, err := client.App(cmd.Context(), name)
			if err != nil {
				return withHint(err, api.IDNotFound, hintListApps)
			}
			if opts.json {
				return printJSON(cmd.OutOrStdout(), struct {
					App         string `json:"app"`
					Maintenance bool   `json:"maintenance"`
				}{app.Name, app.Maintenance})
			}
			fmt.Fprintln(cmd.OutOrStdout(), onOff(app.Maintenance))
			return nil
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, `print {"app", "maintenance"} as JSON`)
	return cmd
}

func newMaintenanceSetCommand(g *globals, on bool) *cobra.Command {
	use, short := "maintenance:off", "Take an app out of maintenance mode: requests reach it again"
	if on {
		use, short = "maintenance:on", "Put an app in maintenance mode: every request gets 503 (H80)"
	}
	return &cobra.Command{
		Use:     use,
		Short:   short,
		Example: "  paasctl " + use + " -a hello",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Turning maintenance mode %s for %s... ", onOff(on), name)
			if _, err := client.UpdateApp(cmd.Context(), name, api.AppUpdate{Maintenance: &on}); err != nil {
				fmt.Fprintln(out, "failed")
				return withHint(err, api.IDNotFound, hintListApps)
			}
			fmt.Fprintln(out, "done")
			return nil
		},
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
