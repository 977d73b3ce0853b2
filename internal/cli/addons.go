package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type addonsOptions struct {
	json bool
	all  bool
}

func newAddonsCommand(g *globals) *cobra.Command {
	var opts addonsOptions
	cmd := &cobra.Command{
		Use:     "addons",
		Short:   "List an app's add-ons (--all: every app's)",
		Example: "  paasctl addons -a hello\n  paasctl addons --all --json",
		GroupID: groupAddons,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var name string
			var client *api.Client
			var err error
			if opts.all {
				srv, err := loadServer()
				if err != nil {
					return err
				}
				client = srv.client()
			} else if name, client, err = g.appClient(cmd.Context()); err != nil {
				return err
			}
			as, err := client.Addons(cmd.Context(), name)
			if err != nil {
				return withHint(err, api.IDNotFound, hintListApps)
			}
			out := cmd.OutOrStdout()
			if opts.json {
				return printJSON(out, as)
			}
			if len(as) == 0 {
				fmt.Fprintln(out, "No add-ons: create one with paasctl addons:create postgres")
				return nil
			}
			tw := newTable(out)
			fmt.Fprintln(tw, "ADD-ON\tSERVICE\tATTACHED AS\tSTATE")
			for _, a := range as {
				var ats []string
				for _, at := range a.Attachments {
					ats = append(ats, at.App.Name+"::"+at.Name)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Name, a.AddonService.Name, orNone(strings.Join(ats, ", ")), a.State)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the add-ons as JSON")
	cmd.Flags().BoolVar(&opts.all, "all", false, "every app's add-ons")
	return cmd
}
