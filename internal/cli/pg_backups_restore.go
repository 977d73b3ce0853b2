package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

type pgBackupsRestoreOptions struct {
	addon   string
	confirm string
}

func newPgBackupsRestoreCommand(g *globals) *cobra.Command {
	var opts pgBackupsRestoreOptions
	cmd := &cobra.Command{
		Use:   "pg:backups:restore [ID] --confirm APP",
		Short: "Restore a backup (default the newest) into the Postgres add-on",
		Long: `Restore a backup into its Postgres add-on: the tables and other objects the
backup holds are replaced by the backup's, in one transaction, so a restore
that fails changes nothing. Writes since the backup to those tables are lost,
so the app's name must be repeated in --confirm, or typed when asked on a
terminal; without a terminal and without --confirm, nothing is restored.`,
		Example: "  paasctl pg:backups:restore -a hello --confirm hello\n  paasctl pg:backups:restore b3 -a hello",
		GroupID: groupAddons,
		Args:    optionalArg("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			app, addon, client, err := postgresOf(cmd.Context(), g, opts.addon)
			if err != nil {
				return err
			}
			want := app
			if want == "" {
				want = addon
			}
			id := "latest"
			if len(args) == 1 {
				id = args[0]
			}
			if opts.confirm == "" {
				in, ok := cmd.InOrStdin().(*os.File)
				if !ok || !isTerminal(in) {
					return fmt.Errorf("restoring %s into %s overwrites its data: to go ahead, run with --confirm %s", id, addon, want)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Restoring %s into %s overwrites its data. Type %s to go ahead: ", id, addon, want)
				if opts.confirm, err = readLine(in); err != nil {
					return err
				}
			}
			if opts.confirm != want {
				return errors.New("the name given does not match " + want + ": nothing was restored")
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Restoring %s into %s... ", id, addon)
			b, err := client.RestoreBackup(cmd.Context(), addon, id)
			if err != nil {
				fmt.Fprintln(out, "failed")
				return err
			}
			fmt.Fprintf(out, "done: %s of %s\n", b.ID, b.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.addon, "addon", "", "the Postgres add-on (default: the app's)")
	cmd.Flags().StringVar(&opts.confirm, "confirm", "", "the app's name (or, with --addon, the add-on's) again, to confirm")
	return cmd
}
