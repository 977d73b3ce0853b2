package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type appsSettingsOptions struct {
	json    bool
	changes api.SettingsUpdate
}

func newAppsSettingsCommand(g *globals) *cobra.Command {
	var opts appsSettingsOptions
	cmd := &cobra.Command{
		Use:   "apps:settings [KEY=VALUE...]",
		Short: "Change how the platform runs an app, or show it",
		Long: `Change the app's settings, or show them without arguments:

  auto-rollback         on or off: roll a new release back by itself when its
                        processes crash-loop or fail health checks within the
                        window after it goes live
  auto-rollback-window  how long a new release is watched, e.g. 2m
  health-path           the path a new web process must answer with 2xx or
                        3xx before it gets traffic; empty: its port must
                        accept connections
  boot-timeout          how long new processes get to become healthy before
                        a deploy fails, e.g. 90s
  stop-timeout          how long a process gets from SIGTERM to SIGKILL
  builder               how pushes are built: auto (detect: a Dockerfile,
                        then Go, Node.js, Python, a static site), or one of
                        dockerfile, go, node, python, static
  https-redirect        on or off: send plain HTTP requests to HTTPS (308)
                        once the host has a certificate (certs:auto:enable)
  hsts                  on or off: Strict-Transport-Security on responses
                        over HTTPS, so browsers keep to HTTPS for a year

They apply from the next deploy, restart or scale on.`,
		Example: "  paasctl apps:settings -a hello\n  paasctl apps:settings auto-rollback=on health-path=/health boot-timeout=90s\n  paasctl apps:settings health-path=",
		GroupID: groupApps,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.parse(args); err != nil {
				return err
			}
			return runAppsSettings(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the settings as JSON")
	return cmd
}

// parse reads KEY=VALUE arguments; a key given twice takes its last value.
func (o *appsSettingsOptions) parse(args []string) error {
	if len(args) == 0 {
		return nil
	}
	o.changes = make(api.SettingsUpdate, len(args))
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		if !ok || key == "" {
			return fmt.Errorf("expected KEY=VALUE, as in auto-rollback=on, got %q", arg)
		}
		o.changes[key] = value
	}
	return nil
}

func runAppsSettings(cmd *cobra.Command, g *globals, opts *appsSettingsOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	var st api.Settings
	if opts.changes == nil {
		st, err = client.Settings(cmd.Context(), name)
		if err != nil {
			return withHint(err, api.IDNotFound, hintListApps)
		}
	} else {
		if opts.json {
			return fmt.Errorf("--json prints the settings: give it without KEY=VALUE")
		}
		fmt.Fprintf(out, "Updating settings of %s... ", name)
		st, err = client.UpdateSettings(cmd.Context(), name, opts.changes)
		if err != nil {
			fmt.Fprintln(out, "failed")
			return withHint(err, api.IDNotFound, hintListApps)
		}
		fmt.Fprintln(out, "done")
	}
	if opts.json {
		return printJSON(out, st)
	}
	printSettings(out, name, st)
	return nil
}

func printSettings(w io.Writer, app string, st api.Settings) {
	autoRollback, healthPath := "off", st.HealthPath
	if st.AutoRollback {
		autoRollback = "on"
	}
	if healthPath == "" {
		healthPath = "none (a TCP check of the port)"
	}
	rows := [][2]string{
		{"auto-rollback", autoRollback},
		{"auto-rollback-window", st.AutoRollbackWindow},
		{"boot-timeout", st.BootTimeout},
		{"builder", st.Builder},
		{"health-path", healthPath},
		{"hsts", onOffText(st.HSTS)},
		{"https-redirect", onOffText(st.HTTPSRedirect)},
		{"stop-timeout", st.StopTimeout},
	}
	fmt.Fprintf(w, "=== %s Settings\n", app)
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0])+1)
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%-*s %s\n", width, r[0]+":", r[1])
	}
}

func onOffText(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
