package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type appsCreateOptions struct {
	name string
	json bool
}

func newAppsCreateCommand() *cobra.Command {
	var opts appsCreateOptions
	cmd := &cobra.Command{
		Use:   "apps:create NAME",
		Short: "Create an app",
		Long: `Create an app. Its name becomes its host name (NAME.<PAAS_DOMAIN>) and its git
URL: 2 to 30 lowercase letters, digits and dashes, starting with a letter and
not ending with a dash.`,
		Example: "  paasctl apps:create hello",
		GroupID: groupApps,
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.name = args[0]
			return runAppsCreate(cmd, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the created app as JSON")
	return cmd
}

func runAppsCreate(cmd *cobra.Command, opts *appsCreateOptions) error {
	srv, err := loadServer()
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if opts.json {
		app, err := srv.client().CreateApp(cmd.Context(), opts.name)
		if err != nil {
			return withHint(err, api.IDConflict, "choose another name, or run paasctl apps to see the existing apps")
		}
		return printJSON(out, app)
	}
	fmt.Fprintf(out, "Creating %s... ", opts.name)
	app, err := srv.client().CreateApp(cmd.Context(), opts.name)
	if err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDConflict, "choose another name, or run paasctl apps to see the existing apps")
	}
	fmt.Fprintln(out, "done")
	fmt.Fprintf(out, "%s | %s\n", app.WebURL, app.GitURL)
	fmt.Fprintf(out, "Deploy with: paasctl git:remote -a %s && git push %s main\n", app.Name, remoteName)
	return nil
}
