package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type appsDestroyOptions struct {
	name    string
	confirm string
}

func newAppsDestroyCommand(g *globals) *cobra.Command {
	var opts appsDestroyOptions
	cmd := &cobra.Command{
		Use:   "apps:destroy [NAME] --confirm NAME",
		Short: "Destroy an app, its releases, processes and git repository",
		Long: `Destroy an app: stop its processes and delete its releases, images and git
repository. This cannot be undone, so the app's name must be repeated in --confirm.
Without NAME, the app is taken from -a or the git remote "paas".`,
		Example: "  paasctl apps:destroy hello --confirm hello",
		GroupID: groupApps,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.name = args[0]
			}
			return runAppsDestroy(cmd, g, &opts)
		},
	}
	cmd.Flags().StringVar(&opts.confirm, "confirm", "", "the app's name again, to confirm")
	return cmd
}

func runAppsDestroy(cmd *cobra.Command, g *globals, opts *appsDestroyOptions) error {
	name := opts.name
	if name == "" {
		var err error
		if name, err = g.appName(cmd.Context()); err != nil {
			return err
		}
	} else if g.app != "" && g.app != name {
		return fmt.Errorf("two apps given, %s as the argument and %s with -a: give one", name, g.app)
	}
	switch opts.confirm {
	case name:
	case "":
		return fmt.Errorf("destroying %s cannot be undone: to go ahead, run paasctl apps:destroy %s --confirm %s", name, name, name)
	default:
		return fmt.Errorf("--confirm %s does not match the app %s: to destroy %s, run paasctl apps:destroy %s --confirm %s", opts.confirm, name, name, name, name)
	}

	srv, err := loadServer()
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Destroying %s (including all releases)... ", name)
	if _, err := srv.client().DestroyApp(cmd.Context(), name); err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, hintListApps)
	}
	fmt.Fprintln(out, "done")
	return nil
}
