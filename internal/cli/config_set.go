package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type configSetOptions struct {
	changes api.ConfigUpdate
	keys    []string // in the order given, for the output
}

func newConfigSetCommand(g *globals) *cobra.Command {
	var opts configSetOptions
	return &cobra.Command{
		Use:   "config:set KEY=VALUE...",
		Short: "Set config vars and restart the app",
		Long: `Set one or more config vars as one new release, and restart the app's
processes on it. A value may be empty and may contain '='; quote it for the
shell if it has spaces or special characters.`,
		Example: "  paasctl config:set DEBUG=1 -a hello\n  paasctl config:set DATABASE_URL='postgres://db/hello?sslmode=disable' WORKERS=4",
		GroupID: groupConfig,
		Args:    minimumArgs("KEY=VALUE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.parse(args); err != nil {
				return err
			}
			return runConfigSet(cmd, g, &opts)
		},
	}
}

// parse reads KEY=VALUE arguments; a key given twice takes its last value.
func (o *configSetOptions) parse(args []string) error {
	o.changes = make(api.ConfigUpdate, len(args))
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("expected KEY=VALUE, got %q", arg)
		}
		if key == "" {
			return fmt.Errorf("expected KEY=VALUE, got %q: the key is missing", arg)
		}
		if _, seen := o.changes[key]; !seen {
			o.keys = append(o.keys, key)
		}
		o.changes[key] = &value
	}
	return nil
}

func runConfigSet(cmd *cobra.Command, g *globals, opts *configSetOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Setting %s and restarting %s... ", strings.Join(opts.keys, ", "), name)
	_, version, err := client.UpdateConfig(cmd.Context(), name, opts.changes)
	if err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, hintListApps)
	}
	fmt.Fprintln(out, doneAt(version))
	return nil
}

// doneAt ends a progress line with the release a change made.
func doneAt(version int) string {
	if version == 0 {
		return "done"
	}
	return fmt.Sprintf("done, v%d", version)
}
