package platform

import (
	"context"
	"errors"
	"io"

	"github.com/paas-dev/paas/internal/releases"
)

// Consoles is what pg:psql and redis:cli need of the add-on engine
// (addons.Docker).
type Consoles interface {
	// Console runs the service's client (psql, redis-cli) attached to the
	// streams, with command instead of its input if given, and returns
	// its exit code.
	Console(ctx context.Context, a releases.Addon, command string, stdin io.Reader, stdout, stderr io.Writer) (int, error)
}

// AddonConsole runs the client of the add-on ident's service (psql,
// redis-cli) against it, attached to the caller's streams, and returns its
// exit code.
func (p *Platform) AddonConsole(ctx context.Context, ident, command string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	add, err := p.findAddon(ident)
	if err != nil {
		return 0, err
	}
	c, ok := p.addons.(Consoles)
	if !ok {
		return 0, errors.New("add-on consoles are not wired in this paasd")
	}
	return c.Console(ctx, add, command, stdin, stdout, stderr)
}
