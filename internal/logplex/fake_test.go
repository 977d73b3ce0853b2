package logplex

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	timetypes "github.com/docker/docker/api/types/time"
	"github.com/docker/docker/pkg/stdcopy"
)

// dockerTimeFormat is how the engine stamps each message.
const dockerTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// fakeDocker serves containers' output the way the engine does: one frame
// per message, stamped, honouring Since and Follow.
type fakeDocker struct {
	mu         sync.Mutex
	containers map[string]*fakeContainer
	calls      []container.LogsOptions
	// cutFirstFollow ends the first follow cleanly after that many frames,
	// as Docker Engine 20.10 sometimes does with lines still to come.
	cutFirstFollow int
}

type fakeContainer struct {
	messages []fakeMessage
	stopped  bool
	changed  chan struct{} // closed and replaced on every change
}

type fakeMessage struct {
	t      time.Time
	stderr bool
	text   string // with its newline, or without for a part of a longer line
}

func newFakeDocker() *fakeDocker { return &fakeDocker{containers: map[string]*fakeContainer{}} }

func (d *fakeDocker) container(id string) *fakeContainer {
	c, ok := d.containers[id]
	if !ok {
		c = &fakeContainer{changed: make(chan struct{})}
		d.containers[id] = c
	}
	return c
}

// write adds messages stamped now (strictly increasing).
func (d *fakeDocker) write(id string, stderr bool, texts ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.container(id)
	for _, text := range texts {
		t := time.Now().UTC()
		if n := len(c.messages); n > 0 && !t.After(c.messages[n-1].t) {
			t = c.messages[n-1].t.Add(time.Nanosecond)
		}
		c.messages = append(c.messages, fakeMessage{t: t, stderr: stderr, text: text})
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

func (d *fakeDocker) stop(id string) { d.setStopped(id, true) }

// restart runs a stopped container again, as the engine's restart policy
// does: its output so far stays.
func (d *fakeDocker) restart(id string) { d.setStopped(id, false) }

func (d *fakeDocker) setStopped(id string, stopped bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.container(id)
	c.stopped = stopped
	close(c.changed)
	c.changed = make(chan struct{})
}

func (d *fakeDocker) logsCalls() []container.LogsOptions {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]container.LogsOptions(nil), d.calls...)
}

func (d *fakeDocker) ContainerLogs(ctx context.Context, id string, opts container.LogsOptions) (io.ReadCloser, error) {
	d.mu.Lock()
	d.calls = append(d.calls, opts)
	c, ok := d.containers[id]
	d.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no such container: %s: %w", id, cerrdefs.ErrNotFound)
	}
	var since time.Time
	if opts.Since != "" {
		s, err := timetypes.GetTimestamp(opts.Since, time.Now())
		if err != nil {
			return nil, err
		}
		sec, nsec, err := timetypes.ParseTimestamps(s, 0)
		if err != nil {
			return nil, err
		}
		since = time.Unix(sec, nsec)
	}
	d.mu.Lock()
	cut := 0
	if opts.Follow && d.cutFirstFollow > 0 {
		cut, d.cutFirstFollow = d.cutFirstFollow, 0
	}
	d.mu.Unlock()
	pr, pw := io.Pipe()
	go func() {
		sent := 0
		// The frames of the messages there are go out in one write, as the
		// engine sends what it has, so the reader gets many at once.
		var out bytes.Buffer
		stdout := stdcopy.NewStdWriter(&out, stdcopy.Stdout)
		stderr := stdcopy.NewStdWriter(&out, stdcopy.Stderr)
		next := 0
		for {
			d.mu.Lock()
			msgs := c.messages[next:]
			next = len(c.messages)
			stopped, changed := c.stopped, c.changed
			d.mu.Unlock()
			out.Reset()
			for _, m := range msgs {
				if m.t.Before(since) {
					continue
				}
				w := stdout
				if m.stderr {
					w = stderr
				}
				if cut > 0 && sent == cut {
					_, _ = pw.Write(out.Bytes())
					pw.Close()
					return
				}
				frame := m.t.Format(dockerTimeFormat) + " " + m.text
				_, _ = w.Write([]byte(frame))
				sent++
			}
			if out.Len() > 0 {
				if _, err := pw.Write(out.Bytes()); err != nil {
					return
				}
			}
			if !opts.Follow || stopped {
				pw.Close()
				return
			}
			select {
			case <-changed:
			case <-ctx.Done():
				pw.CloseWithError(ctx.Err())
				return
			}
		}
	}()
	return pr, nil
}

// remove makes the container gone.
func (d *fakeDocker) remove(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.container(id)
	c.stopped = true
	close(c.changed)
	delete(d.containers, id)
}
