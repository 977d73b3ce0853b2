package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

type addonsInfoOptions struct {
	showURL bool
	json    bool
}

func newAddonsInfoCommand(_ *globals) *cobra.Command {
	var opts addonsInfoOptions
	cmd := &cobra.Command{
		Use:     "addons:info ADDON",
		Short:   "Show an add-on: its service, owner and attachments",
		Long:    "Show an add-on. Its URL holds its password, so it is shown only with --show-url.",
		Example: "  paasctl addons:info postgres-1a2b3c\n  paasctl addons:info postgres-1a2b3c --show-url",
		GroupID: groupAddons,
		Args:    exactArgs("ADDON"),
		RunE: func(cmd *cobra.Command, args []string) error {
			srv, err := loadServer()
			if err != nil {
				return err
			}
			a, err := srv.client().Addon(cmd.Context(), args[0], opts.showURL)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if opts.json {
				return printJSON(out, a)
			}
			fmt.Fprintf(out, "=== %s\n", a.Name)
			tw := newTable(out)
			fmt.Fprintf(tw, "Service:\t%s\n", a.AddonService.Name)
			fmt.Fprintf(tw, "State:\t%s\n", a.State)
			if a.ServiceState != "" {
				fmt.Fprintf(tw, "Service state:\t%s\n", a.ServiceState)
			}
			var ats []string
			for _, at := range a.Attachments {
				ats = append(ats, at.App.Name+"::"+at.Name+"_URL")
			}
			fmt.Fprintf(tw, "Attached as:\t%s\n", orNone(strings.Join(ats, ", ")))
			fmt.Fprintf(tw, "Created:\t%s\n", a.CreatedAt.UTC().Format(time.RFC3339))
			if a.URL != "" {
				fmt.Fprintf(tw, "URL:\t%s\n", a.URL)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&opts.showURL, "show-url", false, "show the URL, password and all")
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the add-on as JSON")
	return cmd
}
