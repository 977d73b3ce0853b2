package runner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/router"
)

// events records, in order, what the runner did to the backend and the
// router, so tests can check that a route change comes before a stop.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, fmt.Sprintf(format, args...))
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

// index is the position of the first event with prefix, -1 if none.
func (e *events) index(prefix string) int {
	return slices.IndexFunc(e.all(), func(s string) bool { return strings.HasPrefix(s, prefix) })
}

// fakeBackend keeps containers in memory. Started containers are running and
// ready by default: their ContainerAddr is a real listener, so the runner's
// real readiness probe runs. boot changes what a started container looks like.
type fakeBackend struct {
	Backend // methods a test does not expect panic

	ev    *events
	ready string // address of a listener that accepts
	boot  func(c *Container)
	logs  []string
	start func(spec ContainerSpec) error // optional gate or failure
	// run is what a Run container does; nil exits 0 at once.
	run func(ctx context.Context, spec ContainerSpec, stdio Stdio) (int, error)

	mu         sync.Mutex // protects all of the following:
	containers map[string]*Container
	specs      map[string]ContainerSpec
	exited     map[string]chan struct{} // closed when the container exits
	seq        int
}

func newFakeBackend(t *testing.T, ev *events) *fakeBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	return &fakeBackend{
		ev: ev, ready: ln.Addr().String(),
		containers: map[string]*Container{}, specs: map[string]ContainerSpec{}, exited: map[string]chan struct{}{},
	}
}

// refusedAddr is an address nothing listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// add puts an existing container in the fake, as if a previous daemon run
// had started it.
func (f *fakeBackend) add(c Container) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.putLocked(c)
}

func (f *fakeBackend) putLocked(c Container) {
	cc := c
	f.containers[c.ID] = &cc
	ch := make(chan struct{})
	if !c.Running {
		close(ch)
	}
	f.exited[c.ID] = ch
}

func (f *fakeBackend) Start(ctx context.Context, spec ContainerSpec) (Container, error) {
	if f.start != nil {
		if err := f.start(spec); err != nil {
			return Container{}, err
		}
	}
	f.mu.Lock()
	f.seq++
	c := Container{
		ID: fmt.Sprintf("new%d", f.seq), Name: spec.Name, Labels: maps.Clone(spec.Labels),
		Running: true, StartedAt: time.Now(), ContainerAddr: f.ready,
		Command: strings.Join(spec.Cmd, " "), AutoRemove: spec.AutoRemove,
	}
	if spec.Port != 0 && spec.Publish {
		c.HostAddr = fmt.Sprintf("127.0.0.1:%d", 40000+f.seq)
	}
	if f.boot != nil {
		f.boot(&c)
	}
	f.putLocked(c)
	f.specs[c.ID] = spec
	f.mu.Unlock()
	f.ev.add("start %s %s %s", c.ID, spec.Labels[LabelRelease], spec.Labels[LabelProcess])
	return c, nil
}

// exit makes a running container exit with code, as if its process ended.
func (f *fakeBackend) exit(id string, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok || !c.Running {
		return
	}
	c.Running, c.ExitCode = false, code
	close(f.exited[id])
}

func (f *fakeBackend) Stop(ctx context.Context, id string, grace time.Duration) error {
	f.ev.add("stop %s", id)
	f.exit(id, 143)
	return nil
}

func (f *fakeBackend) Remove(ctx context.Context, id string) error {
	f.ev.add("remove %s", id)
	f.exit(id, 137)
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.containers, id)
	return nil
}

func (f *fakeBackend) RemoveNetwork(_ context.Context, name string) error {
	f.ev.add("remove network %s", name)
	return nil
}

func (f *fakeBackend) List(ctx context.Context, labels map[string]string) ([]Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Container
	for _, c := range f.containers {
		match := true
		for k, v := range labels {
			if c.Labels[k] != v {
				match = false
			}
		}
		if match {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b Container) int { return a.StartedAt.Compare(b.StartedAt) })
	return out, nil
}

func (f *fakeBackend) Inspect(ctx context.Context, id string) (Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return Container{}, fmt.Errorf("no container %s", id)
	}
	return *c, nil
}

func (f *fakeBackend) Logs(ctx context.Context, id string, n int) ([]string, error) {
	return f.logs, nil
}

func (f *fakeBackend) Wait(ctx context.Context, id string) (int, error) {
	f.mu.Lock()
	ch, ok := f.exited[id]
	f.mu.Unlock()
	if !ok {
		return 0, fmt.Errorf("no container %s", id)
	}
	select {
	case <-ch:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.containers[id]; ok {
		return c.ExitCode, nil
	}
	return 137, nil
}

func (f *fakeBackend) Run(ctx context.Context, spec ContainerSpec, stdio Stdio, started func(Container)) (int, error) {
	c, err := f.Start(ctx, spec)
	if err != nil {
		return 0, err
	}
	started(c)
	if f.run == nil {
		f.exit(c.ID, 0)
		return 0, nil
	}
	code, err := f.run(ctx, spec, stdio)
	if err == nil {
		f.exit(c.ID, code)
	}
	return code, err
}

func (f *fakeBackend) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.containers))
}

func (f *fakeBackend) spec(id string) ContainerSpec {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.specs[id]
}

// byProcess returns the running containers of app's process proc.
func (f *fakeBackend) byProcess(app, proc string) []Container {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Container
	for _, c := range f.containers {
		if c.Labels[LabelApp] == app && c.Labels[LabelProcess] == proc && c.Running {
			out = append(out, *c)
		}
	}
	return out
}

// byLabel returns the one container of app, nil if there is not exactly one.
func (f *fakeBackend) byLabel(app string) *Container {
	f.mu.Lock()
	defer f.mu.Unlock()
	var found *Container
	for _, c := range f.containers {
		if c.Labels[LabelApp] == app {
			if found != nil {
				return nil
			}
			cc := *c
			found = &cc
		}
	}
	return found
}

// fakeRoutes is the router's table.
type fakeRoutes struct {
	ev     *events
	mu     sync.Mutex
	routes map[string][]string
	sets   int
	drains [][]string
}

func (r *fakeRoutes) SetBackendsNamed(app string, backends []router.Backend) {
	var addrs []string
	for _, b := range backends {
		addrs = append(addrs, b.Addr)
	}
	r.ev.add("route %s %v", app, addrs)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.routes == nil {
		r.routes = map[string][]string{}
	}
	r.routes[app] = slices.Clone(addrs)
	r.sets++
}

func (r *fakeRoutes) Drain(ctx context.Context, app string, addrs []string) error {
	r.ev.add("drain %s %v", app, addrs)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drains = append(r.drains, slices.Clone(addrs))
	return nil
}

func (r *fakeRoutes) get(app string) ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.routes[app]
	return a, ok
}

// fakeEvents is the log stream.
type fakeEvents struct {
	mu      sync.Mutex
	lines   []string // "app message"
	started []string // "app process containerID"
}

func (e *fakeEvents) Event(app, message string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines = append(e.lines, app+" "+message)
}

func (e *fakeEvents) ProcessStarted(app, process, containerID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.started = append(e.started, app+" "+process+" "+containerID)
}

func (e *fakeEvents) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.lines)
}

func (e *fakeEvents) startedAll() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.started)
}

// has reports whether line was logged.
func (e *fakeEvents) has(line string) bool { return slices.Contains(e.all(), line) }

// eventually polls cond until it holds or within passes.
func eventually(t *testing.T, within time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

var errBoom = errors.New("boom")
