package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type drainsAddOptions struct {
	url string
}

func newDrainsAddCommand(g *globals) *cobra.Command {
	var opts drainsAddOptions
	return &cobra.Command{
		Use:   "drains:add URL",
		Short: "Send an app's log stream to a syslog server or an HTTPS endpoint",
		Long: `Add a log drain: every line of the app's log stream from now on is also sent
to URL, which is one of
  syslog+tls://HOST:PORT   RFC 5424 syslog over TLS (octet-counted frames)
  syslog+tcp://HOST:PORT   the same, unencrypted
  https://HOST[:PORT]/PATH batches of lines, POSTed as text/plain, one per line;
                           a user and password in the URL are sent as basic auth
  http://localhost:PORT/.. the same, unencrypted, to a collector on paasd's machine
A destination that is down is retried with growing pauses; lines that do not
fit its queue meanwhile are dropped, counted, and reported in the stream.`,
		Example: "  paasctl drains:add syslog+tls://logs.example.com:6514 -a hello\n" +
			"  paasctl drains:add https://user:secret@collector.example.com/logs",
		GroupID: groupApps,
		Args:    exactArgs("URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.url = args[0]
			return runDrainsAdd(cmd, g, &opts)
		},
	}
}

func runDrainsAdd(cmd *cobra.Command, g *globals, opts *drainsAddOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	// The URL may hold a password: it is shown as the daemon hides it.
	fmt.Fprintf(out, "Adding a log drain to %s... ", name)
	d, err := client.AddDrain(cmd.Context(), name, opts.url)
	if err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, hintListApps)
	}
	fmt.Fprintf(out, "done, %s %s\n", d.Token, d.URL)
	return nil
}
