package runner

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
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

	mu         sync.Mutex // protects all of the following:
	containers map[string]*Container
	specs      map[string]ContainerSpec
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
	return &fakeBackend{ev: ev, ready: ln.Addr().String(), containers: map[string]*Container{}, specs: map[string]ContainerSpec{}}
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
	cc := c
	f.containers[c.ID] = &cc
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
		Running: true, StartedAt: time.Now(),
		HostAddr: fmt.Sprintf("127.0.0.1:%d", 40000+f.seq), ContainerAddr: f.ready,
	}
	if f.boot != nil {
		f.boot(&c)
	}
	f.containers[c.ID] = &c
	f.specs[c.ID] = spec
	f.mu.Unlock()
	f.ev.add("start %s %s", c.ID, spec.Labels[LabelRelease])
	return c, nil
}

func (f *fakeBackend) Stop(ctx context.Context, id string, grace time.Duration) error {
	f.ev.add("stop %s", id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.containers[id]; ok {
		c.Running = false
	}
	return nil
}

func (f *fakeBackend) Remove(ctx context.Context, id string) error {
	f.ev.add("remove %s", id)
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.containers, id)
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

// fakeRoutes is the router's table.
type fakeRoutes struct {
	ev     *events
	mu     sync.Mutex
	routes map[string][]string
	sets   int
}

func (r *fakeRoutes) SetBackends(app string, addrs []string) {
	r.ev.add("route %s %v", app, addrs)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.routes == nil {
		r.routes = map[string][]string{}
	}
	r.routes[app] = slices.Clone(addrs)
	r.sets++
}

func (r *fakeRoutes) get(app string) ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.routes[app]
	return a, ok
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
