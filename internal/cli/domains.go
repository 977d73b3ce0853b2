package cli

import (
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type domainsOptions struct {
	json bool
}

// domainsJSON is what domains --json prints.
type domainsJSON struct {
	App     string   `json:"app"`
	Default string   `json:"default"` // <app>.<PAAS_DOMAIN>, which every app has
	Custom  []string `json:"custom"`
}

func newDomainsCommand(g *globals) *cobra.Command {
	var opts domainsOptions
	cmd := &cobra.Command{
		Use:   "domains",
		Short: "List the domains an app is served at",
		Long: `List the host names the router serves an app at: its default one,
<app>.<PAAS_DOMAIN>, and the custom domains added with domains:add.`,
		Example: "  paasctl domains -a hello",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDomains(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, `print {"app", "default", "custom": [...]} as JSON`)
	return cmd
}

func runDomains(cmd *cobra.Command, g *globals, opts *domainsOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	c := client
	app, err := c.App(cmd.Context(), name)
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	custom, err := c.Domains(cmd.Context(), name)
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	if custom == nil {
		custom = []string{} // [], never null
	}
	def := defaultHost(app)
	out := cmd.OutOrStdout()
	if opts.json {
		return printJSON(out, domainsJSON{App: name, Default: def, Custom: custom})
	}
	fmt.Fprintf(out, "=== %s Domains\n", name)
	if def != "" {
		fmt.Fprintf(out, "%s  (default)\n", def)
	}
	for _, d := range custom {
		fmt.Fprintln(out, d)
	}
	if len(custom) == 0 {
		fmt.Fprintf(out, "\n%s has no custom domains: add one with paasctl domains:add www.example.com -a %s\n", name, name)
	}
	return nil
}

// defaultHost is the host name of the app's web URL, <app>.<PAAS_DOMAIN>;
// "" if the daemon gave no usable URL.
func defaultHost(app api.App) string {
	u, err := url.Parse(app.WebURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
