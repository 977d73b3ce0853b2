package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type domainsRemoveOptions struct {
	domain string
}

func newDomainsRemoveCommand(g *globals) *cobra.Command {
	var opts domainsRemoveOptions
	return &cobra.Command{
		Use:     "domains:remove DOMAIN",
		Short:   "Stop serving an app at a custom domain",
		Long:    "Stop routing requests for DOMAIN to the app: they answer 404 from now on.",
		Example: "  paasctl domains:remove www.example.com -a hello\n  paasctl domains:remove '*.example.com' -a hello",
		GroupID: groupApps,
		Args:    exactArgs("DOMAIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.domain = args[0]
			return runDomainsRemove(cmd, g, &opts)
		},
	}
}

func runDomainsRemove(cmd *cobra.Command, g *globals, opts *domainsRemoveOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Removing %s from %s... ", opts.domain, name)
	if _, err := client.RemoveDomain(cmd.Context(), name, opts.domain); err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, fmt.Sprintf("run paasctl domains -a %s to list its domains, or paasctl apps to list the apps", name))
	}
	fmt.Fprintln(out, "done")
	return nil
}
