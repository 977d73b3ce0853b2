package cli

import (
	"github.com/spf13/cobra"
)

type pgPsqlOptions struct {
	addon   string
	command string
}

func newPgPsqlCommand(g *globals) *cobra.Command {
	var opts pgPsqlOptions
	cmd := &cobra.Command{
		Use:   "pg:psql [-c SQL]",
		Short: "Run SQL on the app's Postgres add-on with psql",
		Long: `Run psql against a Postgres add-on: the app's (the one it has as
DATABASE_URL, or its only one), or --addon's. psql runs beside the database,
in its container, so nothing needs installing here: it reads SQL from stdin
(a file, a pipe, or what you type, without line editing), or runs -c SQL,
and stops at the first error. paasctl exits with psql's status.`,
		Example: "  paasctl pg:psql -a hello -c 'SELECT count(*) FROM users'\n  paasctl pg:psql -a hello < schema.sql\n  echo 'SELECT now();' | paasctl pg:psql --addon postgres-1a2b3c",
		GroupID: groupAddons,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, addon, client, err := postgresOf(cmd.Context(), g, opts.addon)
			if err != nil {
				return err
			}
			return runConsole(cmd, client, addon, opts.command)
		},
	}
	cmd.Flags().StringVar(&opts.addon, "addon", "", "the Postgres add-on (default: the app's)")
	cmd.Flags().StringVarP(&opts.command, "command", "c", "", "SQL to run instead of reading stdin")
	return cmd
}
