package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type appsOptions struct {
	json bool
}

func newAppsCommand() *cobra.Command {
	var opts appsOptions
	cmd := &cobra.Command{
		Use:     "apps",
		Short:   "List apps",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runApps(cmd, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the apps as JSON")
	return cmd
}

func runApps(cmd *cobra.Command, opts *appsOptions) error {
	srv, err := loadServer()
	if err != nil {
		return err
	}
	apps, err := srv.client().Apps(cmd.Context())
	if err != nil {
		return fmt.Errorf("list apps: %w", err)
	}
	out := cmd.OutOrStdout()
	if opts.json {
		if apps == nil {
			apps = []api.App{} // an empty list, never null
		}
		return printJSON(out, apps)
	}
	if len(apps) == 0 {
		fmt.Fprintln(out, "No apps yet: create one with paasctl apps:create NAME")
		return nil
	}
	tw := newTable(out)
	fmt.Fprintln(tw, "NAME\tRELEASE\tWEB URL")
	for _, a := range apps {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.Name, release(a.CurrentRelease), a.WebURL)
	}
	return tw.Flush()
}
