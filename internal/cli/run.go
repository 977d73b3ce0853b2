package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type runOptions struct {
	detach  bool
	command string
}

func newRunCommand(g *globals) *cobra.Command {
	var opts runOptions
	cmd := &cobra.Command{
		Use:   "run [-d] COMMAND...",
		Short: "Run a one-off process, such as a migration or a console",
		Long: `Run COMMAND in a new one-off process (run.N) of the app's current release,
with its config vars, and remove the process when it exits. As on Heroku, a
COMMAND of one argument is a shell command line, run by /bin/sh -c in the
process, so quote what your own shell must not expand: paasctl run 'echo $PORT'.
A COMMAND of several arguments is a program and its arguments, which it
receives exactly as given: paasctl run -- sh -c 'echo one-off; exit 3'.

The process is attached: paasctl's stdin is its input, its output comes
back, and paasctl exits with its exit status. With --detach it runs in the
background and its output goes to the app's log stream only.

Flags, -a included, go before COMMAND: everything from COMMAND on is its own.`,
		Example: "  paasctl run -a hello rake db:migrate\n  paasctl run ls -la\n  paasctl run -d ./cleanup.sh\n  paasctl run 'psql \"$DATABASE_URL\"' < query.sql",
		GroupID: groupProcesses,
		// The flags are in Use already, before COMMAND where they belong.
		DisableFlagsInUseLine: true,
		Args:                  minimumArgs("COMMAND"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.command = shellCommand(args)
			return runRun(cmd, g, &opts)
		},
	}
	// paasctl run ls -la: -la is ls's.
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolVarP(&opts.detach, "detach", "d", false, "run in the background, with the output only in the log stream")
	return cmd
}

func runRun(cmd *cobra.Command, g *globals, opts *runOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	req := api.RunRequest{Command: opts.command, Attach: !opts.detach}
	if opts.detach {
		out := cmd.OutOrStdout()
		fmt.Fprintf(out, "Running %s on %s... ", opts.command, name)
		res, err := client.Run(cmd.Context(), name, req, nil, nil, nil)
		if err != nil {
			fmt.Fprintln(out, "failed")
			return withHint(err, api.IDNotFound, hintListApps)
		}
		fmt.Fprintf(out, "up, %s\n", res.Process)
		return nil
	}
	res, err := client.Run(cmd.Context(), name, req, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	if res.ExitCode != 0 {
		return exitStatus(statusOf(res.ExitCode))
	}
	return nil
}

// statusOf fits an exit code into what a process can exit with here.
func statusOf(code int) int {
	if code < 0 || code > 255 {
		return 255
	}
	return code
}

// shellCommand is the command line the one-off's /bin/sh -c runs: one
// argument is a command line as the user wrote it; several are a program and
// its arguments, each quoted so that the program receives exactly them.
func shellCommand(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellWord(a)
	}
	return strings.Join(quoted, " ")
}

// shellWord leaves words that sh reads literally as they are, for a readable
// "Starting process with command" line, and quotes the rest.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, shellSafe) == "" {
		return s
	}
	return shellQuote(s)
}

// shellSafe are the bytes that sh gives no meaning to anywhere in a word.
// "=" is not among them: a first word with one would be an assignment.
const shellSafe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+:,./-"
