package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

type pgBackupsScheduleOptions struct {
	addon string
	at    string
	off   bool
}

func newPgBackupsScheduleCommand(g *globals) *cobra.Command {
	var opts pgBackupsScheduleOptions
	cmd := &cobra.Command{
		Use:   "pg:backups:schedule --at HH:MM",
		Short: "Back up the app's Postgres add-on daily (--off: stop)",
		Long: `Back up a Postgres add-on every day at HH:MM, UTC. A backup missed while
paasd was down is taken when it starts. paasd keeps the newest
PAAS_BACKUP_KEEP backups (default 7), scheduled or not.`,
		Example: "  paasctl pg:backups:schedule --at 02:00 -a hello\n  paasctl pg:backups:schedule --off -a hello",
		GroupID: groupAddons,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (opts.at == "") == !opts.off {
				return errors.New("give the time of day with --at HH:MM (UTC), or --off to stop the daily backups")
			}
			_, addon, client, err := postgresOf(cmd.Context(), g, opts.addon)
			if err != nil {
				return err
			}
			a, err := client.SetBackupSchedule(cmd.Context(), addon, opts.at)
			if err != nil {
				return err
			}
			if a.BackupAt == "" {
				fmt.Fprintf(cmd.OutOrStdout(), "%s is no longer backed up daily\n", addon)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "%s is backed up daily at %s UTC\n", addon, a.BackupAt)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.addon, "addon", "", "the Postgres add-on (default: the app's)")
	cmd.Flags().StringVar(&opts.at, "at", "", "the time of day, UTC, as HH:MM")
	cmd.Flags().BoolVar(&opts.off, "off", false, "stop the daily backups")
	return cmd
}
