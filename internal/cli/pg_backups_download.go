package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

type pgBackupsDownloadOptions struct {
	addon  string
	output string
}

func newPgBackupsDownloadCommand(g *globals) *cobra.Command {
	var opts pgBackupsDownloadOptions
	cmd := &cobra.Command{
		Use:   "pg:backups:download [ID]",
		Short: "Download a backup (default the newest) to a file",
		Long: `Download a backup of a Postgres add-on, by its id (b3) or the newest, into a
file (default latest.dump; - for standard output), readable by pg_restore.
The file is made readable by you only: it holds the whole database.`,
		Example: "  paasctl pg:backups:download -a hello\n  paasctl pg:backups:download b3 -o hello.dump",
		GroupID: groupAddons,
		Args:    optionalArg("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, addon, client, err := postgresOf(cmd.Context(), g, opts.addon)
			if err != nil {
				return err
			}
			id := "latest"
			if len(args) == 1 {
				id = args[0]
			}
			if opts.output == "-" {
				return client.DownloadBackup(cmd.Context(), addon, id, cmd.OutOrStdout())
			}
			f, err := os.OpenFile(opts.output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s exists: give another file with -o, or remove it", opts.output)
			}
			if err != nil {
				return fmt.Errorf("download the backup: %w", err)
			}
			err = client.DownloadBackup(cmd.Context(), addon, id, f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				_ = os.Remove(opts.output)
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Downloaded %s of %s to %s\n", id, addon, opts.output)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.addon, "addon", "", "the Postgres add-on (default: the app's)")
	cmd.Flags().StringVarP(&opts.output, "output", "o", "latest.dump", "the file to write; - for standard output")
	return cmd
}
