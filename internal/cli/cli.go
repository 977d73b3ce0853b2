// Package cli is paasctl: one file per command, each with its options struct,
// its newXCommand constructor and its runX function.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Execute runs paasctl with the process's arguments and exits with its
// status.
func Execute() {
	os.Exit(Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Run is Execute without the process: it runs paasctl with args and returns
// its exit status, 0, 1 after an error, or the exit status of the process
// paasctl run ran.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(context.Background(), args, stdin, stdout, stderr)
}

func run(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	cmd := newRootCommand()
	cmd.SetArgs(args)
	cmd.SetIn(in)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	if err := cmd.ExecuteContext(ctx); err != nil {
		var status exitStatus
		if errors.As(err, &status) {
			return int(status)
		}
		fmt.Fprintf(errOut, "paasctl: %s\n", describe(err))
		return 1
	}
	return 0
}

// exitStatus ends paasctl with a status of its own and no message: paasctl
// run passes on the exit status of its process.
type exitStatus int

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// describe adds the advice a network failure needs: the API error messages
// carry their own.
func describe(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) && !errors.Is(err, context.Canceled) {
		return err.Error() + ": is paasd running there? Start it, or set PAAS_URL to its address"
	}
	return err.Error()
}

// globals are the flags every command shares.
type globals struct {
	app string // -a/--app
}

func newRootCommand() *cobra.Command {
	g := &globals{}
	cmd := &cobra.Command{
		Use:   "paasctl",
		Short: "Deploy and run twelve-factor apps on a paas daemon",
		Long: `paasctl drives a paas daemon (paasd) through its REST API.

Deploy an app:
  paasctl apps:create hello
  paasctl git:remote -a hello
  git push paas main

The daemon is at $PAAS_URL (default ` + defaultURL + `). The API token comes from
$PAAS_API_TOKEN, else from paasctl login, else from a local daemon's data directory.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.PersistentFlags().StringVarP(&g.app, "app", "a", "", `app to act on (default: the app of the git remote "paas")`)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w: see '%s --help'", err, c.CommandPath())
	})

	cmd.AddGroup(
		&cobra.Group{ID: groupApps, Title: "Apps:"},
		&cobra.Group{ID: groupConfig, Title: "Config:"},
		&cobra.Group{ID: groupBuilds, Title: "Builds:"},
		&cobra.Group{ID: groupReleases, Title: "Releases:"},
		&cobra.Group{ID: groupProcesses, Title: "Processes:"},
		&cobra.Group{ID: groupAddons, Title: "Add-ons:"},
		&cobra.Group{ID: groupGit, Title: "Git:"},
		&cobra.Group{ID: groupOther, Title: "Other:"},
	)
	cmd.SetHelpCommandGroupID(groupOther)
	enableCompletion(cmd)
	cmd.AddCommand(
		newAppsCommand(),
		newAppsCreateCommand(),
		newAppsInfoCommand(g),
		newAppsDestroyCommand(g),
		newAppsRenameCommand(g),
		newAppsSettingsCommand(g),
		newMaintenanceCommand(g),
		newMaintenanceSetCommand(g, true),
		newMaintenanceSetCommand(g, false),
		newDomainsCommand(g),
		newDomainsAddCommand(g),
		newDomainsRemoveCommand(g),
		newConfigCommand(g),
		newConfigGetCommand(g),
		newConfigSetCommand(g),
		newConfigUnsetCommand(g),
		newBuildsCommand(g),
		newBuildsInfoCommand(g),
		newBuildsOutputCommand(g),
		newBuildsCancelCommand(g),
		newBuildsDockerfileCommand(g),
		newDeployCommand(g),
		newReleasesCommand(g),
		newReleasesInfoCommand(g),
		newReleasesVerifyCommand(g),
		newReleasesDiffCommand(g),
		newRollbackCommand(g),
		newPsCommand(g),
		newScaleCommand(g),
		newPsRestartCommand(g),
		newPsLimitCommand(g),
		newRunCommand(g),
		newLogsCommand(g),
		newAddonsCommand(g),
		newAddonsCreateCommand(g),
		newAddonsInfoCommand(g),
		newAddonsDestroyCommand(g),
		newAddonsAttachCommand(g),
		newAddonsDetachCommand(g),
		newPgBackupsCommand(g),
		newPgBackupsCaptureCommand(g),
		newPgBackupsDownloadCommand(g),
		newPgBackupsRestoreCommand(g),
		newPgBackupsScheduleCommand(g),
		newPgPsqlCommand(g),
		newCertsCommand(g),
		newCertsAddCommand(g),
		newCertsRemoveCommand(g),
		newCertsAutoCommand(g),
		newCertsAutoEnableCommand(g),
		newCertsAutoDisableCommand(g),
		newCertsAutoRefreshCommand(g),
		newRedisCliCommand(g),
		newDrainsCommand(g),
		newDrainsAddCommand(g),
		newDrainsRemoveCommand(g),
		newGitRemoteCommand(g),
		newGitCredentialCommand(),
		newLoginCommand(),
		newLogoutCommand(),
		newVersionCommand(),
		newNodesCommand(),
	)
	return cmd
}

// Help groups.
const (
	groupApps      = "apps"
	groupConfig    = "config"
	groupBuilds    = "builds"
	groupReleases  = "releases"
	groupProcesses = "processes"
	groupAddons    = "addons"
	groupGit       = "git"
	groupOther     = "other"
)

// exactArgs is cobra.ExactArgs with a message that names the arguments and
// shows the usage.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < len(names):
			return fmt.Errorf("missing %s: usage: %s", strings.Join(names[len(args):], " "), cmd.UseLine())
		case len(args) > len(names):
			return fmt.Errorf("too many arguments, %q: usage: %s", args[len(names):], cmd.UseLine())
		}
		return nil
	}
}

// minimumArgs accepts name given once or more, as NAME... in the usage.
func minimumArgs(name string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("missing %s: usage: %s", name, cmd.UseLine())
		}
		return nil
	}
}

// optionalArg accepts name or nothing.
func optionalArg(name string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 1 {
			return fmt.Errorf("too many arguments, %q: give at most one %s: usage: %s", args[1:], name, cmd.UseLine())
		}
		return nil
	}
}
