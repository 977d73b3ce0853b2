package runner

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

const testDaemon = "daemon-a"

func newTestRunner(t *testing.T, opts Options) (*Runner, *fakeBackend, *fakeRoutes, *events) {
	t.Helper()
	ev := &events{}
	be := newFakeBackend(t, ev)
	rt := &fakeRoutes{ev: ev}
	if opts.DaemonID == "" {
		opts.DaemonID = testDaemon
	}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(be, rt, opts), be, rt, ev
}

func release(app string, version int) releases.Release {
	return releases.Release{
		Version: version, App: app, Image: "sha256:img" + app,
		Config:    map[string]string{"GREETING": "hi"},
		Processes: map[string]string{"web": "exec server --port $PORT"},
	}
}

// existing is a container a previous deploy left running.
func existing(id, app string, version int, proc string, running bool) Container {
	return Container{
		ID: id, Name: "paas-" + app + "-" + id, Running: running,
		StartedAt: time.Now().Add(-time.Hour),
		Labels: map[string]string{
			LabelApp: app, LabelRelease: releaseLabel(version), LabelProcess: proc, LabelDaemon: testDaemon,
		},
		HostAddr: "127.0.0.1:3" + id,
	}
}

func TestDeployRoutesThenStopsOld(t *testing.T) {
	r, be, rt, ev := newTestRunner(t, Options{})
	be.add(existing("old1", "shop", 1, "web.1", true))
	be.add(existing("crashed", "shop", 1, "web.1", false))
	be.add(existing("other", "blog", 1, "web.1", true))

	var out strings.Builder
	if err := r.Deploy(context.Background(), release("shop", 2), &out); err != nil {
		t.Fatalf("Deploy: %v", err)
	}

	if got, want := be.ids(), []string{"new1", "other"}; !slices.Equal(got, want) {
		t.Errorf("containers after deploy = %v, want %v", got, want)
	}
	routes, _ := rt.get("shop")
	if want := []string{"127.0.0.1:40001"}; !slices.Equal(routes, want) {
		t.Errorf("routes = %v, want %v", routes, want)
	}
	route, stop := ev.index("route shop"), ev.index("stop old1")
	if route < 0 || stop < 0 || route > stop {
		t.Errorf("the route must change before the old container stops; events: %v", ev.all())
	}
	if ev.index("stop crashed") >= 0 {
		t.Errorf("an exited container need not be stopped, only removed; events: %v", ev.all())
	}
	for _, line := range []string{"-----> Starting web.1 (v2)\n", "-----> web.1 is up\n", "-----> Stopping v1\n"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
	if strings.Index(out.String(), "is up") > strings.Index(out.String(), "Stopping") {
		t.Errorf("output out of order:\n%s", out.String())
	}
}

func TestDeployBootFailureKeepsOldRelease(t *testing.T) {
	tests := []struct {
		name    string
		boot    func(t *testing.T) func(*Container)
		wantErr error
		wantMsg string
	}{
		{
			name: "exits",
			boot: func(*testing.T) func(*Container) {
				return func(c *Container) { c.Running, c.ExitCode = false, 3 }
			},
			wantErr: ErrExited,
			wantMsg: "boot web.1 (v2): exited with code 3",
		},
		{
			name: "never listens",
			boot: func(t *testing.T) func(*Container) {
				addr := refusedAddr(t)
				return func(c *Container) { c.ContainerAddr = addr }
			},
			wantErr: ErrNotListening,
			wantMsg: "boot web.1 (v2): not listening on $PORT (5000) within 300ms",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, be, rt, ev := newTestRunner(t, Options{BootTimeout: 300 * time.Millisecond})
			be.add(existing("old1", "shop", 1, "web.1", true))
			be.boot = tt.boot(t)
			be.logs = []string{"booting", "panic: no database"}

			err := r.Deploy(context.Background(), release("shop", 2), io.Discard)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Deploy error = %v, want %v", err, tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantMsg) || !strings.Contains(msg, "\n    panic: no database") {
				t.Errorf("error %q lacks %q or the process's output", msg, tt.wantMsg)
			}
			if got, want := be.ids(), []string{"old1"}; !slices.Equal(got, want) {
				t.Errorf("containers = %v, want %v (new one removed, old one kept)", got, want)
			}
			if rt.sets != 0 {
				t.Errorf("routes changed on a failed deploy: %v", ev.all())
			}
			if ev.index("stop old1") >= 0 {
				t.Errorf("old container stopped on a failed deploy: %v", ev.all())
			}
		})
	}
}

func TestDeployStartFailure(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{})
	be.start = func(ContainerSpec) error { return errors.New("no such image") }
	rel := release("shop", 2)
	rel.Processes = nil
	err := r.Deploy(context.Background(), rel, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "start web.1 (v2): no such image") || !strings.Contains(err.Error(), "Procfile") {
		t.Fatalf("Deploy error = %v, want the start failure and the Procfile hint", err)
	}
	if rt.sets != 0 {
		t.Error("routes changed on a failed deploy")
	}
}

func TestDeploySpec(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{})
	if err := r.Deploy(context.Background(), release("shop", 3), io.Discard); err != nil {
		t.Fatal(err)
	}
	spec := be.spec("new1")
	if !strings.HasPrefix(spec.Name, "paas-shop-web.1-v3-") || len(spec.Name) != len("paas-shop-web.1-v3-")+8 {
		t.Errorf("Name = %q, want paas-shop-web.1-v3-<8 hex>", spec.Name)
	}
	if want := []string{"/bin/sh", "-c", "exec server --port $PORT"}; !slices.Equal(spec.Cmd, want) {
		t.Errorf("Cmd = %q, want %q", spec.Cmd, want)
	}
	if spec.Image != "sha256:imgshop" || spec.Port != ContainerPort {
		t.Errorf("Image, Port = %q, %d", spec.Image, spec.Port)
	}
	wantLabels := map[string]string{LabelApp: "shop", LabelRelease: "v3", LabelProcess: "web.1", LabelDaemon: testDaemon}
	for k, v := range wantLabels {
		if spec.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, spec.Labels[k], v)
		}
	}
	for _, arg := range spec.Cmd {
		if strings.Contains(arg, "hi") {
			t.Errorf("a config value reached argv: %q", spec.Cmd)
		}
	}
}

func TestCommand(t *testing.T) {
	tests := []struct {
		name  string
		procs map[string]string
		want  []string
	}{
		{"procfile web", map[string]string{"web": "bin/web", "worker": "bin/worker"}, []string{"/bin/sh", "-c", "bin/web"}},
		{"no procfile", nil, nil},
		{"no web type", map[string]string{"worker": "bin/worker"}, nil},
		{"blank web", map[string]string{"web": "  "}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := command(releases.Release{Processes: tt.procs}, "web")
			if !slices.Equal(got, tt.want) {
				t.Errorf("command = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestProcessEnv(t *testing.T) {
	rel := releases.Release{App: "shop", Version: 7, Config: map[string]string{
		"DATABASE_URL": "postgres://u:secret@db/shop",
		"PORT":         "80", // platform wins
		"PAAS_APP":     "evil",
		"DYNO":         "x",
		"EMPTY":        "",
	}}
	got := processEnv(rel, "web.1")
	want := []string{
		"DATABASE_URL=postgres://u:secret@db/shop",
		"DYNO=web.1",
		"EMPTY=",
		"PAAS_APP=shop",
		"PAAS_PROCESS=web.1",
		"PAAS_RELEASE=v7",
		"PORT=5000",
	}
	if !slices.Equal(got, want) {
		t.Errorf("processEnv =\n%q\nwant\n%q", got, want)
	}
	if got := processEnv(releases.Release{App: "a", Version: 1}, "web.1"); len(got) != 5 {
		t.Errorf("processEnv with no config = %q, want the 5 platform vars", got)
	}
}

func TestStopAppClearsRoutesFirst(t *testing.T) {
	r, be, rt, ev := newTestRunner(t, Options{})
	be.add(existing("a1", "shop", 1, "web.1", true))
	be.add(existing("a2", "shop", 2, "web.1", true))
	be.add(existing("b1", "blog", 1, "web.1", true))
	if err := r.StopApp(context.Background(), "shop"); err != nil {
		t.Fatal(err)
	}
	if got := be.ids(); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("containers = %v, want [b1]", got)
	}
	if routes, ok := rt.get("shop"); !ok || len(routes) != 0 {
		t.Errorf("routes = %v (set %v), want cleared", routes, ok)
	}
	if ev.index("route shop") > ev.index("stop a1") {
		t.Errorf("routes must clear before stopping: %v", ev.all())
	}
}

func TestDeploysOfOneAppDoNotInterleave(t *testing.T) {
	r, be, _, ev := newTestRunner(t, Options{})
	gate := make(chan struct{})
	entered := make(chan string, 3)
	be.start = func(spec ContainerSpec) error {
		entered <- spec.Labels[LabelApp] + " " + spec.Labels[LabelRelease]
		if spec.Labels[LabelRelease] == "v1" && spec.Labels[LabelApp] == "shop" {
			<-gate
		}
		return nil
	}
	done := make(chan error, 2)
	go func() { done <- r.Deploy(context.Background(), release("shop", 1), io.Discard) }()
	if got := <-entered; got != "shop v1" {
		t.Fatalf("first Start = %q", got)
	}
	go func() { done <- r.Deploy(context.Background(), release("shop", 2), io.Discard) }()
	// Another app is not held up by shop's deploy.
	if err := r.Deploy(context.Background(), release("blog", 1), io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := <-entered; got != "blog v1" {
		t.Fatalf("a second deploy of shop started while the first held the app: %q", got)
	}
	// Give the second shop deploy a moment in which it must not start.
	select {
	case got := <-entered:
		t.Fatalf("a second deploy of shop started while the first held the app: %q", got)
	case <-time.After(200 * time.Millisecond):
	}
	close(gate)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if route, v2 := ev.index("route shop"), ev.index("start new3 v2"); route < 0 || v2 < route {
		t.Errorf("deploys interleaved: %v", ev.all())
	}
}

func TestProcessesStates(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{})
	be.add(existing("a", "shop", 2, "web.10", true))
	be.add(existing("b", "shop", 2, "web.2", false))
	be.add(existing("c", "shop", 3, "web.2", true))
	r.setBooting("c", true)
	got, err := r.Processes(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name    string
		release int
		state   string
	}
	var rows []row
	for _, p := range got {
		rows = append(rows, row{p.Name, p.Release, p.State})
	}
	want := []row{{"web.2", 2, StateCrashed}, {"web.2", 3, StateStarting}, {"web.10", 2, StateUp}}
	if !slices.Equal(rows, want) {
		t.Errorf("Processes = %v, want %v", rows, want)
	}
}

func TestNewRequiresDaemonID(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New without DaemonID did not panic")
		}
	}()
	New(nil, nil, Options{})
}
