package cli

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type certsOptions struct {
	json bool
}

func newCertsCommand(g *globals) *cobra.Command {
	var opts certsOptions
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "List the app's certificates, and what each host is served with",
		Long: `List the certificates added with certs:add, then each of the app's hosts
with what the router's TLS listener serves it with: one of those, the
automatic certificate (certs:auto:enable), or none.`,
		Example: "  paasctl certs -a hello",
		GroupID: groupApps,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			own, err := client.Certs(ctx, name)
			if err != nil {
				return withHint(err, api.IDNotFound, hintListApps)
			}
			out := cmd.OutOrStdout()
			if opts.json {
				return printJSON(out, own)
			}
			app, err := client.App(ctx, name)
			if err != nil {
				return err
			}
			custom, err := client.Domains(ctx, name)
			if err != nil {
				return err
			}
			auto := map[string]api.CertStatus{}
			if app.ACM {
				st, err := client.CertStatus(ctx, name)
				if err != nil {
					return err
				}
				for _, s := range st {
					auto[s.Hostname] = s
				}
			}
			fmt.Fprintf(out, "=== %s Certificates\n", name)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			if len(own) == 0 {
				fmt.Fprintf(out, "none added: paasctl certs:add CERT KEY -a %s adds one\n", name)
			} else {
				fmt.Fprintln(tw, "NAME\tNAMES\tEXPIRES\tISSUER")
				for _, e := range own {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, strings.Join(e.SSLCert.CertDomains, ", "), e.SSLCert.ExpiresAt.UTC().Format(time.RFC3339), e.SSLCert.Issuer)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "\n=== %s Hosts\n", name)
			fmt.Fprintln(tw, "HOST\tSERVED WITH")
			for _, h := range append([]string{defaultHost(app)}, custom...) {
				if h == "" {
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\n", h, servedWith(h, own, auto))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the added certificates as JSON")
	return cmd
}

// servedWith says what the TLS listener serves host with: an added
// certificate first, as the router does, then the automatic one.
func servedWith(host string, own []api.SNIEndpoint, auto map[string]api.CertStatus) string {
	for _, e := range own {
		for _, d := range e.Domains {
			if d == host {
				return e.Name
			}
		}
	}
	if s, ok := auto[host]; ok {
		if s.ExpiresAt != nil && s.Status != "pending" {
			return fmt.Sprintf("automatic (%s, until %s)", s.Status, s.ExpiresAt.UTC().Format(time.RFC3339))
		}
		return "automatic (" + s.Status + ")"
	}
	return "none of the app's (the listener's own, PAAS_ROUTER_TLS_CERT, if it covers it)"
}

func newCertsAddCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "certs:add CERT KEY",
		Short: "Serve your own certificate for the app",
		Long: `Serve a certificate of your own on the router's TLS listener for the names
it covers: CERT is the PEM certificate with its chain after it, KEY its PEM
private key. The only way to serve a wildcard (*.example.com), or a name the
ACME CA cannot reach. It is served before an automatic certificate for the
same name. paasd keeps both files in its data directory (0600).`,
		Example: "  paasctl certs:add example.com.crt example.com.key -a hello",
		GroupID: groupApps,
		Args:    exactArgs("CERT", "KEY"),
		RunE: func(cmd *cobra.Command, args []string) error {
			chain, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("read the certificate: %w", err)
			}
			key, err := os.ReadFile(args[1])
			if err != nil {
				return fmt.Errorf("read the key: %w", err)
			}
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Adding certificate to %s... ", name)
			e, err := client.AddCert(cmd.Context(), name, string(chain), string(key))
			if err != nil {
				fmt.Fprintln(out, "failed")
				return withHint(err, api.IDNotFound, hintListApps)
			}
			fmt.Fprintf(out, "done: %s, for %s, until %s\n", e.Name, strings.Join(e.SSLCert.CertDomains, ", "), e.SSLCert.ExpiresAt.UTC().Format(time.RFC3339))
			if len(e.Domains) == 0 {
				fmt.Fprintf(out, "It covers none of %s's hosts yet: add one with paasctl domains:add\n", name)
			}
			return nil
		},
	}
}

func newCertsRemoveCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "certs:remove NAME",
		Short:   "Stop serving one of the app's own certificates",
		Long:    `Stop serving a certificate added with certs:add, and delete it. paasctl certs lists them.`,
		Example: "  paasctl certs:remove sni-1a2b3c4d -a hello",
		GroupID: groupApps,
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Removing certificate %s from %s... ", args[0], name)
			if _, err := client.RemoveCert(cmd.Context(), name, args[0]); err != nil {
				fmt.Fprintln(out, "failed")
				return err
			}
			fmt.Fprintln(out, "done")
			return nil
		},
	}
}
