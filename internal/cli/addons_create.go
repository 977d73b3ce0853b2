package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type addonsCreateOptions struct {
	as   string
	json bool
}

func newAddonsCreateCommand(g *globals) *cobra.Command {
	var opts addonsCreateOptions
	cmd := &cobra.Command{
		Use:   "addons:create SERVICE [--as NAME]",
		Short: "Create a Postgres or Redis add-on and attach it to the app",
		Long: `Create a backing service for the app, postgres or redis: paasd runs it as a
container with its data on a Docker volume, reachable by the app's processes
only, and sets its URL as a config var (DATABASE_URL, REDIS_URL; --as NAME
gives NAME_URL), which makes a new release. The first add-on of a service
makes its image from Debian's packages, once per machine (a few minutes).`,
		Example: "  paasctl addons:create postgres -a hello\n  paasctl addons:create redis --as CACHE",
		GroupID: groupAddons,
		Args:    exactArgs("SERVICE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, client, err := g.appClient(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			stop := func() {}
			if !opts.json {
				fmt.Fprintf(out, "Creating %s on %s... ", args[0], name)
				stop = followProvision(cmd.Context(), client, name, out)
			}
			a, err := client.CreateAddon(cmd.Context(), name, args[0], opts.as)
			stop()
			if err != nil {
				if !opts.json {
					fmt.Fprintln(out, "failed")
				}
				return withHint(err, api.IDNotFound, hintListApps)
			}
			if opts.json {
				return printJSON(out, a)
			}
			fmt.Fprintln(out, "done")
			for _, v := range a.ConfigVars {
				fmt.Fprintf(out, "Created %s as %s\n", a.Name, v)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.as, "as", "", "the config var prefix: NAME gives NAME_URL")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the add-on as JSON")
	return cmd
}

// followProvision prints the progress paasd reports of an add-on's
// provisioning on app (the making of its image, on first use) as it comes,
// each line on its own under the "Creating" line, until stop. It returns
// once the stream is open, or could not be: without it, the command still
// works, with less to show.
func followProvision(ctx context.Context, client *api.Client, app string, out io.Writer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	wg.Add(2)
	opened := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(opened) }) }
	go func() {
		defer wg.Done()
		defer open()
		err := client.Logs(ctx, app, api.LogOptions{Tail: true, Source: api.LogSourcePaas, Process: api.AddonProvisionProcess, JSON: true, Opened: open}, pw)
		pw.CloseWithError(err)
	}()
	started := false
	esc := newControlEscaper(out)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var l api.LogLine
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			if !started {
				fmt.Fprintln(out)
				started = true
			}
			fmt.Fprintf(esc, "       %s\n", l.Message)
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	<-opened
	return func() {
		cancel()
		wg.Wait()
		if started {
			fmt.Fprint(out, "       ")
		}
	}
}
