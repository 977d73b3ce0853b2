package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type configUnsetOptions struct {
	keys []string
}

func newConfigUnsetCommand(g *globals) *cobra.Command {
	var opts configUnsetOptions
	return &cobra.Command{
		Use:     "config:unset KEY...",
		Short:   "Unset config vars and restart the app",
		Long:    "Unset one or more config vars as one new release, and restart the app's processes on it.",
		Example: "  paasctl config:unset DEBUG -a hello",
		GroupID: groupConfig,
		Args:    minimumArgs("KEY"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.keys = args
			return runConfigUnset(cmd, g, &opts)
		},
	}
}

func runConfigUnset(cmd *cobra.Command, g *globals, opts *configUnsetOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	changes := make(api.ConfigUpdate, len(opts.keys))
	var keys []string // in the order given, once each
	for _, k := range opts.keys {
		if _, seen := changes[k]; !seen {
			keys = append(keys, k)
		}
		changes[k] = nil
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Unsetting %s and restarting %s... ", strings.Join(keys, ", "), name)
	_, version, err := client.UpdateConfig(cmd.Context(), name, changes)
	if err != nil {
		fmt.Fprintln(out, "failed")
		return withHint(err, api.IDNotFound, hintListApps)
	}
	fmt.Fprintln(out, doneAt(version))
	return nil
}
