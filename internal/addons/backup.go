package addons

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/paas-dev/paas/internal/releases"
)

// Execer is what backups need of the Docker Engine beyond Engine: a
// command's streams (*client.Client).
type Execer interface {
	ContainerExecAttach(ctx context.Context, execID string, config container.ExecAttachOptions) (types.HijackedResponse, error)
}

// maxStderr bounds what a failed dump or restore says.
const maxStderr = 64 << 10

// Dump writes a consistent dump of a Postgres add-on's database to w, in
// pg_dump's custom format (pg_restore reads it): one transaction's snapshot,
// however busy the database is.
func (d *Docker) Dump(ctx context.Context, a releases.Addon, w io.Writer) error {
	if a.Service != "postgres" {
		return fmt.Errorf("%w: %s is a %s add-on: only Postgres has backups (Redis keeps its data with an append-only file on its volume)", releases.ErrInvalid, a.Name, a.Service)
	}
	cmd := []string{"pg_dump", "--format=custom", "--no-owner", "--no-acl", "-U", dbName(a), "-d", dbName(a)}
	if err := d.execStreams(ctx, a, cmd, nil, w); err != nil {
		return fmt.Errorf("back up %s: %w", a.Name, err)
	}
	return nil
}

// Restore replaces the objects of a Postgres add-on's database with those
// of a dump read from r (pg_restore --clean): what the dump holds comes
// back as it was; other tables stay.
func (d *Docker) Restore(ctx context.Context, a releases.Addon, r io.Reader) error {
	if a.Service != "postgres" {
		return fmt.Errorf("%w: %s is a %s add-on: only Postgres has backups", releases.ErrInvalid, a.Name, a.Service)
	}
	cmd := []string{"pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
		"-U", dbName(a), "-d", dbName(a)}
	if err := d.execStreams(ctx, a, cmd, r, io.Discard); err != nil {
		return fmt.Errorf("restore %s: %w", a.Name, err)
	}
	return nil
}

// execStreams runs cmd in a's container with stdin from in (nil: none)
// and stdout to out, and fails with its stderr unless it exits 0.
func (d *Docker) execStreams(ctx context.Context, a releases.Addon, cmd []string, in io.Reader, out io.Writer) error {
	var stderr limitedBuffer
	code, err := d.execAttached(ctx, a, cmd, nil, in, out, &stderr, true)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("%s exited with %d: %s", cmd[0], code, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// execAttached runs cmd in a's container with env added to the
// container's, stdin from in (nil: none), its output to out and errOut,
// and returns its exit code. Ending ctx closes its streams: a command that
// reads its input then ends, as psql and redis-cli do. With wholeInput, in
// must be sent whole (a dump to restore); else what the command did not
// read when it ended does not matter (a person's typing).
func (d *Docker) execAttached(ctx context.Context, a releases.Addon, cmd, env []string, in io.Reader, out, errOut io.Writer, wholeInput bool) (int, error) {
	ex, ok := d.api.(Execer)
	if !ok {
		return 0, errors.New("this engine client cannot attach to a command")
	}
	created, err := d.api.ContainerExecCreate(ctx, d.name(a), container.ExecOptions{
		Cmd: cmd, Env: env, AttachStdin: in != nil, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", cmd[0], err)
	}
	hj, err := ex.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", cmd[0], err)
	}
	defer hj.Close()
	stop := context.AfterFunc(ctx, hj.Close)
	defer stop()
	stdinErr := make(chan error, 1)
	if in != nil {
		go func() {
			_, err := io.Copy(hj.Conn, in)
			if cerr := hj.CloseWrite(); err == nil {
				err = cerr
			}
			stdinErr <- err
		}()
	} else {
		stdinErr <- nil
	}
	if _, err := stdcopy.StdCopy(out, errOut, hj.Reader); err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("run %s: %w", cmd[0], context.Cause(ctx))
		}
		return 0, fmt.Errorf("run %s: %w", cmd[0], err)
	}
	if wholeInput {
		if err := <-stdinErr; err != nil {
			return 0, fmt.Errorf("run %s: send its input: %w", cmd[0], err)
		}
	}
	insp, err := d.execEnded(ctx, created.ID)
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", cmd[0], err)
	}
	return insp.ExitCode, nil
}

// execEnded waits, briefly, for an exec whose streams have closed to be
// reported ended, and returns how it ended.
func (d *Docker) execEnded(ctx context.Context, id string) (container.ExecInspect, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		insp, err := d.api.ContainerExecInspect(ctx, id)
		if err != nil || !insp.Running {
			return insp, err
		}
		select {
		case <-ctx.Done():
			return insp, errors.New("its output ended, and it did not")
		case <-time.After(20 * time.Millisecond): // a poll of the engine
		}
	}
}

// limitedBuffer keeps the first maxStderr bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxStderr - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
