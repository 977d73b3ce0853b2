package addons

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/paas-dev/paas/internal/releases"
)

// Console runs the service's own client in a's container, as its
// database's user, attached to stdin, stdout and stderr: psql for Postgres,
// redis-cli for Redis. command, if given, is what the client runs instead of
// reading its input: SQL for psql (-c), a command and its arguments for
// redis-cli (split at spaces). The password goes in the command's
// environment, never in argv. It returns the client's exit code.
func (d *Docker) Console(ctx context.Context, a releases.Addon, command string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	var cmd, env []string
	switch a.Service {
	case "postgres":
		// Inside the container psql reaches the server over its socket,
		// which trusts local users.
		cmd = []string{"psql", "-X", "-U", dbName(a), "-d", dbName(a), "-v", "ON_ERROR_STOP=1"}
		if command != "" {
			cmd = append(cmd, "-c", command)
		}
	case "redis":
		cmd = append([]string{"redis-cli", "--no-auth-warning"}, strings.Fields(command)...)
		env = []string{"REDISCLI_AUTH=" + a.Password}
	default:
		return 0, fmt.Errorf("%w: %s is a %s add-on, which has no console", releases.ErrInvalid, a.Name, a.Service)
	}
	code, err := d.execAttached(ctx, a, cmd, env, stdin, stdout, stderr, false)
	if err != nil {
		return 0, fmt.Errorf("console of %s: %w", a.Name, err)
	}
	return code, nil
}
