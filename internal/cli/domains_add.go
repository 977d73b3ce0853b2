package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type domainsAddOptions struct {
	domain string
}

func newDomainsAddCommand(g *globals) *cobra.Command {
	var opts domainsAddOptions
	return &cobra.Command{
		Use:   "domains:add DOMAIN",
		Short: "Serve an app at a custom domain",
		Long: `Route requests for DOMAIN to the app, at once. DOMAIN is a host name such as
www.example.com, or a wildcard such as '*.example.com' that matches one more
label (shop.example.com, not example.com). A domain belongs to one app; an
exact domain wins over a wildcard. Point the domain's DNS at the machine
paasd runs on yourself.`,
		Example: "  paasctl domains:add www.example.com -a hello\n  paasctl domains:add '*.example.com' -a hello",
		GroupID: groupApps,
		Args:    exactArgs("DOMAIN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.domain = args[0]
			return runDomainsAdd(cmd, g, &opts)
		},
	}
}

func runDomainsAdd(cmd *cobra.Command, g *globals, opts *domainsAddOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Adding %s to %s... ", opts.domain, name)
	if _, err := client.AddDomain(cmd.Context(), name, opts.domain); err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, hintListApps)
	}
	fmt.Fprintln(out, "done")
	fmt.Fprintf(out, "Point the DNS of %s at this machine to reach %s there.\n", opts.domain, name)
	return nil
}
