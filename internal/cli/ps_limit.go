package cli

import (
	"fmt"
	"io"
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
		Use:   "ps:limit [TYPE=SIZE...]",
		Short: "Set memory limits per process type, or show them",
		Long: `Set the memory limit of the processes of each TYPE named, and restart
them onto it; a process that goes over its limit is killed and restarted.
Sizes are whole numbers with k, m or g (powers of 1024), from 6m to 64g. The
type run is the limit of one-off processes. Without arguments, show every
type's limit.`,
		Example: "  paasctl ps:limit web=512m worker=1g -a hello\n  paasctl ps:limit",
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

// parse reads TYPE=SIZE arguments; a type given twice takes its last size.
func (o *psLimitOptions) parse(args []string) error {
	if len(args) == 0 {
		return nil
	}
	o.change = make(api.Limits, len(args))
	for _, arg := range args {
		typ, size, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("expected TYPE=SIZE, as in web=512m, got %q", arg)
		}
		if err := api.ValidateProcessType(typ); err != nil {
			return err
		}
		if _, err := api.ParseMemory(size); err != nil {
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
			return fmt.Errorf("--json prints the limits: give it without TYPE=SIZE")
		}
		fmt.Fprintf(out, "Setting memory limits of %s... ", name)
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
	fmt.Fprintf(w, "=== %s Memory Limits\n", app)
	types := typeOrder(limits)
	width := 0
	for _, t := range types {
		width = max(width, len(t)+1)
	}
	for _, t := range types {
		fmt.Fprintf(w, "%-*s %s\n", width, t+":", limits[t])
	}
}
