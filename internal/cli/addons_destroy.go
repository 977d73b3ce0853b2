package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

type addonsDestroyOptions struct {
	confirm string
}

func newAddonsDestroyCommand(_ *globals) *cobra.Command {
	var opts addonsDestroyOptions
	cmd := &cobra.Command{
		Use:   "addons:destroy ADDON --confirm ADDON",
		Short: "Destroy an add-on and its data",
		Long: `Destroy an add-on: its config vars are unset on every app it is attached to
(a new release each), its service stops, and then its volume, with all its
data, and its backups are removed. This cannot be undone, so the add-on's name must be
repeated in --confirm.`,
		Example: "  paasctl addons:destroy postgres-1a2b3c --confirm postgres-1a2b3c",
		GroupID: groupAddons,
		Args:    exactArgs("ADDON"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			switch opts.confirm {
			case name:
			case "":
				return fmt.Errorf("destroying %s deletes its data and its backups, and cannot be undone: to go ahead, run paasctl addons:destroy %s --confirm %s", name, name, name)
			default:
				return fmt.Errorf("--confirm %s does not match the add-on %s: run paasctl addons:destroy %s --confirm %s", opts.confirm, name, name, name)
			}
			srv, err := loadServer()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Destroying %s, its data and its backups... ", name)
			if err := srv.client().DestroyAddon(cmd.Context(), name); err != nil {
				fmt.Fprintln(out, "failed")
				return err
			}
			fmt.Fprintln(out, "done")
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.confirm, "confirm", "", "the add-on's name again, to confirm")
	return cmd
}
