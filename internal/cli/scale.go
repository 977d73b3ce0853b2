package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

// maxScale is the most processes of one type the daemon runs.
const maxScale = 100

type scaleOptions struct {
	json   bool
	change api.Formation
}

func newScaleCommand(g *globals) *cobra.Command {
	var opts scaleOptions
	cmd := &cobra.Command{
		Use:     "scale [TYPE=COUNT...]",
		Aliases: []string{"ps:scale"},
		Short:   "Scale process types, or show how many of each run",
		Long: `Set how many processes of each type the app runs; the types not named keep
their count, and 0 stops a type. The types are those of the Procfile of the
current release. Without arguments, show the counts.`,
		Example: "  paasctl scale web=3 worker=2 -a hello\n  paasctl scale worker=0\n  paasctl scale",
		GroupID: groupProcesses,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.parse(args); err != nil {
				return err
			}
			return runScale(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the formation as a JSON object")
	return cmd
}

// parse reads TYPE=COUNT arguments; a type given twice takes its last count.
func (o *scaleOptions) parse(args []string) error {
	if len(args) == 0 {
		return nil
	}
	o.change = make(api.Formation, len(args))
	for _, arg := range args {
		typ, count, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("expected TYPE=COUNT, as in web=3, got %q", arg)
		}
		if err := api.ValidateProcessType(typ); err != nil {
			return err
		}
		n, err := strconv.Atoi(count)
		if err != nil || n < 0 || n > maxScale {
			return fmt.Errorf("%s: the count must be a whole number from 0 to %d", arg, maxScale)
		}
		o.change[typ] = n
	}
	return nil
}

func runScale(cmd *cobra.Command, g *globals, opts *scaleOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if opts.change == nil {
		f, err := client.Formation(cmd.Context(), name)
		if err != nil {
			return withHint(err, api.IDNotFound, hintListApps)
		}
		switch {
		case opts.json:
			if f == nil {
				f = api.Formation{} // an empty object, never null
			}
			return printJSON(out, f)
		case len(f) == 0:
			fmt.Fprintf(out, "%s has no process types yet: deploy it with git push %s main\n", name, remoteName)
			return nil
		}
		parts := make([]string, 0, len(f))
		for _, t := range typeOrder(f) {
			parts = append(parts, fmt.Sprintf("%s=%d", t, f[t]))
		}
		fmt.Fprintln(out, strings.Join(parts, " "))
		return nil
	}
	if opts.json {
		return fmt.Errorf("--json prints the formation: give it without TYPE=COUNT")
	}
	fmt.Fprintf(out, "Scaling %s processes... ", name)
	f, err := client.Scale(cmd.Context(), name, opts.change)
	if err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, hintListApps)
	}
	parts := make([]string, 0, len(f))
	for _, t := range typeOrder(f) {
		parts = append(parts, fmt.Sprintf("%s at %d", t, f[t]))
	}
	fmt.Fprintf(out, "done, now running %s\n", strings.Join(parts, ", "))
	return nil
}
