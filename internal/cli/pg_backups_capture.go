package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

type pgBackupsCaptureOptions struct {
	addon string
	json  bool
}

func newPgBackupsCaptureCommand(g *globals) *cobra.Command {
	var opts pgBackupsCaptureOptions
	cmd := &cobra.Command{
		Use:   "pg:backups:capture",
		Short: "Back up the app's Postgres add-on now",
		Long: `Capture a backup of a Postgres add-on: a consistent pg_dump (custom format)
of its database, taken while it serves, and kept in paasd's data directory. A
backup that fails says so and is not kept.`,
		Example: "  paasctl pg:backups:capture -a hello",
		GroupID: groupAddons,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, addon, client, err := postgresOf(cmd.Context(), g, opts.addon)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !opts.json {
				fmt.Fprintf(out, "Backing up %s... ", addon)
			}
			b, err := client.CaptureBackup(cmd.Context(), addon)
			if err != nil {
				if !opts.json {
					fmt.Fprintln(out, "failed")
				}
				return err
			}
			if opts.json {
				return printJSON(out, b)
			}
			fmt.Fprintf(out, "done: %s, %d bytes in %s\n", b.ID, b.Size, time.Duration(b.Duration*float64(time.Second)).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.addon, "addon", "", "the Postgres add-on (default: the app's)")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the backup as JSON")
	return cmd
}
