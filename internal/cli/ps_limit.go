package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type psLimitOptions struct {
	json   bool
	change api.Limits
}

func newPsLimitCommand(g *globals) *cobra.Command {
	var opts psLimitOptions
	cmd := &cobra.Command{
		Use:   "ps:limit [TYPE=LIMITS...]",
		Short: "Set memory, PID and CPU limits per process type, or show them",
		Long: `Set the limits of the processes of each TYPE named, and restart them onto
them. LIMITS is a memory size, pids=N and cpu=N, comma-separated, any of them:
- memory: a whole number with k, m or g (powers of 1024), from 6m to 64g; a
  process that goes over it is killed and restarted;
- pids: how many processes and threads it may run at once (16 to 65536);
- cpu: its CPU shares, its weight against other processes when the CPUs are
  busy (1024 is the default; 512 gets half as much).
What is not given stays as it is. The type run is the limits of one-off
processes. Without arguments, show every type's limits.`,
		Example: "  paasctl ps:limit web=512m worker=1g -a hello\n  paasctl ps:limit worker=pids=256,cpu=512\n  paasctl ps:limit",
		GroupID: groupProcesses,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.parse(args); err != nil {
				return err
			}
			return runPsLimit(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the limits as a JSON object")
	return cmd
}

// parse reads TYPE=LIMITS arguments; a type given twice takes its last.
func (o *psLimitOptions) parse(args []string) error {
	if len(args) == 0 {
		return nil
	}
	o.change = make(api.Limits, len(args))
	for _, arg := range args {
		typ, size, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("expected TYPE=LIMITS, as in web=512m or web=1g,pids=256,cpu=512, got %q", arg)
		}
		if err := api.ValidateProcessType(typ); err != nil {
			return err
		}
		if _, err := api.ParseLimit(size); err != nil {
			return fmt.Errorf("%s: %w", arg, err)
		}
		o.change[typ] = size
	}
	return nil
}

func runPsLimit(cmd *cobra.Command, g *globals, opts *psLimitOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	var limits api.Limits
	if opts.change == nil {
		limits, err = client.Limits(cmd.Context(), name)
		if err != nil {
			return withHint(err, api.IDNotFound, hintListApps)
		}
	} else {
		if opts.json {
			return fmt.Errorf("--json prints the limits: give it without TYPE=LIMITS")
		}
		fmt.Fprintf(out, "Setting limits of %s... ", name)
		limits, err = client.SetLimits(cmd.Context(), name, opts.change)
		if err != nil {
			fmt.Fprintln(out, "failed")
			return withHint(err, api.IDNotFound, hintListApps)
		}
		fmt.Fprintln(out, "done")
	}
	if opts.json {
		if limits == nil {
			limits = api.Limits{} // an empty object, never null
		}
		return printJSON(out, limits)
	}
	printLimits(out, name, limits)
	return nil
}

func printLimits(w io.Writer, app string, limits api.Limits) {
	if len(limits) == 0 {
		fmt.Fprintf(w, "%s has no process types yet: deploy it with git push %s main\n", app, remoteName)
		return
	}
	fmt.Fprintf(w, "=== %s Limits\n", app)
	tw := newTable(w)
	fmt.Fprintln(tw, "TYPE\tMEMORY\tPIDS\tCPU SHARES")
	for _, t := range typeOrder(limits) {
		l, err := api.ParseLimit(limits[t])
		if err != nil { // not ours to read: as the daemon wrote it
			fmt.Fprintf(tw, "%s\t%s\t\t\n", t, limits[t])
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t, orDash(l.Memory, api.FormatMemory), orDash(l.PIDs, itoa), orDash(l.CPUShares, itoa))
	}
	_ = tw.Flush()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// orDash formats n, or "-" for a limit the daemon did not give.
func orDash(n int64, format func(int64) string) string {
	if n == 0 {
		return "-"
	}
	return format(n)
}
