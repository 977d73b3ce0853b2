package cli

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type configOptions struct {
	json  bool
	shell bool
}

func newConfigCommand(g *globals) *cobra.Command {
	var opts configOptions
	cmd := &cobra.Command{
		Use:     "config",
		Short:   "List an app's config vars",
		Example: "  paasctl config -a hello\n  paasctl config --shell > .env",
		GroupID: groupConfig,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConfig(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the config vars as a JSON object")
	cmd.Flags().BoolVarP(&opts.shell, "shell", "s", false, "print the config vars as KEY='value' lines for a shell or .env file")
	return cmd
}

func runConfig(cmd *cobra.Command, g *globals, opts *configOptions) error {
	if opts.json && opts.shell {
		return errors.New("--json and --shell are two formats: give one")
	}
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	vars, err := client.Config(cmd.Context(), name)
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	out := cmd.OutOrStdout()
	keys := slices.Sorted(maps.Keys(vars))
	switch {
	case opts.json:
		if vars == nil {
			vars = api.ConfigVars{} // an empty object, never null
		}
		return printJSON(out, vars)
	case opts.shell:
		for _, k := range keys {
			fmt.Fprintf(out, "%s=%s\n", k, shellQuote(vars[k]))
		}
		return nil
	case len(vars) == 0:
		fmt.Fprintf(out, "%s has no config vars yet: set them with paasctl config:set KEY=VALUE...\n", name)
		return nil
	}
	fmt.Fprintf(out, "=== %s Config Vars\n", name)
	width := 0
	for _, k := range keys {
		width = max(width, len(k)+1)
	}
	for _, k := range keys {
		fmt.Fprintf(out, "%-*s %s\n", width, k+":", vars[k])
	}
	return nil
}
