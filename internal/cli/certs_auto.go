package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type certsAutoOptions struct {
	json bool
}

func newCertsAutoCommand(g *globals) *cobra.Command {
	var opts certsAutoOptions
	cmd := &cobra.Command{
		Use:   "certs:auto",
		Short: "Show the state of the app's automatic certificates",
		Long: `Show each host's automatic certificate: pending (ordered, not issued yet),
issued (with its expiry), or failing (with the certificate authority's last
error, and when paasd tries again). paasd renews a certificate 30 days before
it expires.`,
		Example: "  paasctl certs:auto -a hello",
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
			st, err := client.CertStatus(cmd.Context(), name)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if opts.json {
				return printJSON(out, st)
			}
			if !app.ACM {
				fmt.Fprintf(out, "%s has automatic certificates off: turn them on with paasctl certs:auto:enable -a %s\n", name, name)
				return nil
			}
			fmt.Fprintf(out, "=== Automatic certificates of %s\n", name)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DOMAIN\tSTATUS\tEXPIRES\tREASON")
			for _, s := range st {
				expires := ""
				if s.ExpiresAt != nil {
					expires = s.ExpiresAt.UTC().Format(time.RFC3339)
				}
				reason := s.Reason
				if s.NextAttemptAt != nil && reason != "" {
					reason += " (next try " + s.NextAttemptAt.UTC().Format(time.RFC3339) + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Hostname, s.Status, expires, reason)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the hosts' states as JSON")
	return cmd
}

func newCertsAutoEnableCommand(g *globals) *cobra.Command {
	return newCertsAutoSetCommand(g, true)
}

func newCertsAutoDisableCommand(g *globals) *cobra.Command {
	return newCertsAutoSetCommand(g, false)
}

func newCertsAutoSetCommand(g *globals, on bool) *cobra.Command {
	use, short, long, doing := "certs:auto:enable", "Get certificates for the app's hosts automatically",
		`Have paasd order a certificate from its ACME certificate authority
(PAAS_ACME_EMAIL, PAAS_ACME_DIRECTORY) for each of the app's hosts: its own
and its custom domains, and those added later. The CA checks that the host
reaches this paasd's router (HTTP-01 on port 80, or TLS-ALPN-01 on 443); the
router then serves HTTPS for it, and paasd renews each certificate 30 days
before it expires. paasctl certs:auto shows how it goes.`, "Enabling"
	if !on {
		use, short, long, doing = "certs:auto:disable", "Stop getting certificates for the app automatically",
			`Stop ordering and renewing the app's certificates. Those it has are still
served until they expire.`, "Disabling"
	}
	return &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: "  paasctl " + use + " -a hello",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return changeACM(cmd, g, doing, func(c *api.Client, app string) (api.App, error) { return c.SetACM(cmd.Context(), app, on) })
		},
	}
}

func newCertsAutoRefreshCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "certs:auto:refresh",
		Short: "Order the app's automatic certificates again now",
		Long: `Order new certificates for the app's hosts now, whatever their expiry,
and retry failing ones without waiting for their back-off. Mind the CA's rate
limits (Let's Encrypt allows 5 certificates for the same names a week).`,
		Example: "  paasctl certs:auto:refresh -a hello",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return changeACM(cmd, g, "Refreshing", func(c *api.Client, app string) (api.App, error) { return c.RefreshACM(cmd.Context(), app) })
		},
	}
}

// changeACM runs change on the app's automatic certificates, saying what
// it is doing, and how to follow it.
func changeACM(cmd *cobra.Command, g *globals, doing string, change func(*api.Client, string) (api.App, error)) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s automatic certificates for %s... ", doing, name)
	app, err := change(client, name)
	if err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, hintListApps)
	}
	fmt.Fprintln(out, "done")
	if app.ACM {
		fmt.Fprintf(out, "paasctl certs:auto -a %s shows each host's certificate\n", name)
	}
	return nil
}
