package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type pgBackupsOptions struct {
	addon string
	json  bool
}

func newPgBackupsCommand(g *globals) *cobra.Command {
	var opts pgBackupsOptions
	cmd := &cobra.Command{
		Use:   "pg:backups",
		Short: "List the backups of the app's Postgres add-on",
		Long: `List the backups of a Postgres add-on: the app's (the one it has as
DATABASE_URL, or its only one), or --addon's. paasd keeps the newest
PAAS_BACKUP_KEEP (default 7) in its data directory.`,
		Example: "  paasctl pg:backups -a hello\n  paasctl pg:backups --addon postgres-1a2b3c --json",
		GroupID: groupAddons,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, addon, client, err := postgresOf(cmd.Context(), g, opts.addon)
			if err != nil {
				return err
			}
			bs, err := client.Backups(cmd.Context(), addon)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if opts.json {
				return printJSON(out, bs)
			}
			if len(bs) == 0 {
				fmt.Fprintf(out, "%s has no backups: capture one with paasctl pg:backups:capture\n", addon)
				return nil
			}
			fmt.Fprintf(out, "=== %s Backups\n", addon)
			tw := newTable(out)
			fmt.Fprintln(tw, "ID\tTAKEN\tSIZE\tDURATION\tBY")
			for i := len(bs) - 1; i >= 0; i-- {
				b := bs[i]
				by := "you"
				if b.Scheduled {
					by = "schedule"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.ID, b.CreatedAt.UTC().Format(time.RFC3339), api.FormatMemory(b.Size),
					time.Duration(b.Duration*float64(time.Second)).Round(time.Millisecond), by)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&opts.addon, "addon", "", "the Postgres add-on (default: the app's)")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the backups as JSON")
	return cmd
}
