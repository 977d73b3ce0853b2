package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type configGetOptions struct {
	key  string
	json bool
}

func newConfigGetCommand(g *globals) *cobra.Command {
	var opts configGetOptions
	cmd := &cobra.Command{
		Use:     "config:get KEY",
		Short:   "Print one config var's value",
		Example: "  paasctl config:get DATABASE_URL -a hello",
		GroupID: groupConfig,
		Args:    exactArgs("KEY"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.key = args[0]
			return runConfigGet(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, `print {"key": KEY, "value": ...} as JSON`)
	return cmd
}

func runConfigGet(cmd *cobra.Command, g *globals, opts *configGetOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	vars, err := client.Config(cmd.Context(), name)
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	value, ok := vars[opts.key]
	if !ok {
		return fmt.Errorf("config var %s is not set on %s: run paasctl config -a %s to list the ones that are", opts.key, name, name)
	}
	if opts.json {
		return printJSON(cmd.OutOrStdout(), struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		}{opts.key, value})
	}
	fmt.Fprintln(cmd.OutOrStdout(), value)
	return nil
}
