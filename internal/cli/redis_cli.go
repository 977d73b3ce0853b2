package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type redisCliOptions struct {
	addon string
}

func newRedisCliCommand(g *globals) *cobra.Command {
	var opts redisCliOptions
	cmd := &cobra.Command{
		Use:   "redis:cli [COMMAND...]",
		Short: "Run commands on the app's Redis add-on with redis-cli",
		Long: `Run redis-cli against a Redis add-on: the app's (the one it has as
REDIS_URL, or its only one), or --addon's. redis-cli runs beside Redis, in its
container, so nothing needs installing here. With COMMAND it runs that one
command; without, it reads commands from stdin, one per line. paasctl exits
with redis-cli's status.

Flags, -a included, go before COMMAND: everything from COMMAND on is its own.`,
		Example:               "  paasctl redis:cli -a hello PING\n  paasctl redis:cli -a hello GET session:42\n  printf 'INCR hits\\nGET hits\\n' | paasctl redis:cli -a hello",
		GroupID:               groupAddons,
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, addon, client, err := redisOf(cmd.Context(), g, opts.addon)
			if err != nil {
				return err
			}
			return runConsole(cmd, client, addon, strings.Join(args, " "))
		},
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVar(&opts.addon, "addon", "", "the Redis add-on (default: the app's)")
	return cmd
}

// runConsole attaches to the add-on's console, command or stdin as its
// input, and exits with its status.
func runConsole(cmd *cobra.Command, client *api.Client, addon, command string) error {
	var stdin = cmd.InOrStdin()
	if command != "" {
		stdin = nil
	}
	res, err := client.AddonConsole(cmd.Context(), addon, command, stdin, newControlEscaper(cmd.OutOrStdout()), newControlEscaper(cmd.ErrOrStderr()))
	if err != nil {
		return withHint(err, api.IDNotFound, "run paasctl addons to list the add-ons")
	}
	if res.ExitCode != 0 {
		return exitStatus(statusOf(res.ExitCode))
	}
	return nil
}
