package runner

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

const testDaemon = "daemon-a"

// newTestRunner routes through published ports: the fake gives each
// container a port of its own there, while all of them answer readiness at
// one address. TestRoutesToContainerAddress covers the other way.
func newTestRunner(t *testing.T, opts Options) (*Runner, *fakeBackend, *fakeRoutes, *events) {
	t.Helper()
	opts.PublishPorts = true
	ev := &events{}
	be := newFakeBackend(t, ev)
	rt := &fakeRoutes{ev: ev}
	if opts.DaemonID == "" {
		opts.DaemonID = testDaemon
	}
	if opts.Events == nil {
		opts.Events = &fakeEvents{}
	}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(be, rt, opts), be, rt, ev
}

// logOf is the log stream of a runner made by newTestRunner.
func logOf(r *Runner) *fakeEvents { return r.events.(*fakeEvents) }

func release(app string, version int) releases.Release {
	return releases.Release{
		Version: version, App: app, Image: "sha256:img" + app,
		Config: map[string]string{"GREETING": "hi"},
		Processes: map[string]string{
			"web": "exec server --port $PORT", "worker": "exec worker", "clock": "exec clock", "release": "migrate",
		},
	}
}

// spec runs rel with formation, "web=3 worker=1".
func spec(rel releases.Release, formation string) Spec {
	f := map[string]int{}
	for _, kv := range strings.Fields(formation) {
		t, n, _ := strings.Cut(kv, "=")
		f[t] = int(n[0] - '0')
	}
	return Spec{Release: rel, Formation: f}
}

// existing is a container a previous deploy left running.
func existing(id, app string, version int, proc string, running bool) Container {
	typ, _ := parseProcess(proc)
	c := Container{
		ID: id, Name: "paas-" + app + "-" + id, Running: running,
		StartedAt: time.Now().Add(-time.Hour),
		Labels: map[string]string{
			LabelApp: app, LabelRelease: releaseLabel(version), LabelProcess: proc, LabelType: typ, LabelDaemon: testDaemon,
		},
	}
	if typ == webType {
		c.HostAddr = "127.0.0.1:3" + id
	}
	return c
}

func TestDeployRoutesThenStopsOld(t *testing.T) {
	r, be, rt, ev := newTestRunner(t, Options{})
	be.add(existing("old1", "shop", 1, "web.1", true))
	be.add(existing("crashed", "shop", 1, "web.1", false))
	be.add(existing("other", "blog", 1, "web.1", true))

	var out strings.Builder
	if err := r.Deploy(context.Background(), spec(release("shop", 2), "web=1"), &out); err != nil {
		t.Fatalf("Deploy: %v", err)
	}

	if got, want := be.ids(), []string{"new1", "other"}; !slices.Equal(got, want) {
		t.Errorf("containers after deploy = %v, want %v", got, want)
	}
	routes, _ := rt.get("shop")
	if want := []string{"127.0.0.1:40001"}; !slices.Equal(routes, want) {
		t.Errorf("routes = %v, want %v", routes, want)
	}
	route, drain, stop := ev.index("route shop"), ev.index("drain shop [127.0.0.1:3old1]"), ev.index("stop old1")
	if route < 0 || drain < 0 || stop < 0 || route > drain || drain > stop {
		t.Errorf("want route, then drain of the old address, then stop; events: %v", ev.all())
	}
	if ev.index("stop crashed") >= 0 {
		t.Errorf("an exited container need not be stopped, only removed; events: %v", ev.all())
	}
	for _, line := range []string{"-----> Starting web.1 (v2)\n", "-----> web.1 is up\n", "-----> Stopping web.1 (v1)\n"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
	if strings.Index(out.String(), "is up") > strings.Index(out.String(), "Stopping") {
		t.Errorf("output out of order:\n%s", out.String())
	}
	log := logOf(r)
	for _, line := range []string{
		"shop web.1: Starting process with command `exec server --port $PORT`",
		"shop web.1: State changed from starting to up",
		"shop web.1: State changed from up to stopping",
		"shop web.1: Stopping process with SIGTERM",
		"shop web.1: Process exited with status 143",
	} {
		if !log.has(line) {
			t.Errorf("events lack %q: %q", line, log.all())
		}
	}
	if got := log.startedAll(); !slices.Equal(got, []string{"shop web.1 new1"}) {
		t.Errorf("ProcessStarted = %q, want the new container", got)
	}
}

func TestDeployWebThree(t *testing.T) {
	r, be, rt, ev := newTestRunner(t, Options{})
	be.add(existing("old1", "shop", 1, "web.1", true))
	be.add(existing("old2", "shop", 1, "web.2", true))

	if err := r.Deploy(context.Background(), spec(release("shop", 2), "web=3"), io.Discard); err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	want := []string{"127.0.0.1:40001", "127.0.0.1:40002", "127.0.0.1:40003"}
	if routes, _ := rt.get("shop"); !slices.Equal(routes, want) {
		t.Errorf("routes = %v, want all three new web processes %v", routes, want)
	}
	route := ev.index("route shop [127.0.0.1:40001 127.0.0.1:40002 127.0.0.1:40003]")
	drain := ev.index("drain shop")
	if route < 0 || drain < route || ev.index("start new3") > route {
		t.Errorf("all three must start before one route change; events: %v", ev.all())
	}
	if got := rt.drains; len(got) != 1 || !slices.Equal(slices.Sorted(slices.Values(got[0])), []string{"127.0.0.1:3old1", "127.0.0.1:3old2"}) {
		t.Errorf("drained %v, want the two old addresses", got)
	}
	for _, id := range []string{"old1", "old2"} {
		if stop := ev.index("stop " + id); stop < drain {
			t.Errorf("%s stopped before the drain: %v", id, ev.all())
		}
	}
	if got := be.ids(); !slices.Equal(got, []string{"new1", "new2", "new3"}) {
		t.Errorf("containers = %v", got)
	}
	procs, err := r.Processes(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range procs {
		names = append(names, p.Name+" "+p.State)
	}
	if want := []string{"web.1 up", "web.2 up", "web.3 up"}; !slices.Equal(names, want) {
		t.Errorf("Processes = %v, want %v", names, want)
	}
}

func TestDeployBootFailureKeepsOldRelease(t *testing.T) {
	unhealthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(unhealthy.Close)
	tests := []struct {
		name       string
		formation  string
		healthPath string
		boot       func(t *testing.T) func(*Container)
		wantErr    error
		wantMsg    string
	}{
		{
			name: "exits", formation: "web=1",
			boot: func(*testing.T) func(*Container) {
				return func(c *Container) { c.Running, c.ExitCode = false, 3 }
			},
			wantErr: ErrExited,
			wantMsg: "boot web.1 (v2): exited with code 3",
		},
		{
			name: "second of three exits", formation: "web=3",
			boot: func(*testing.T) func(*Container) {
				return func(c *Container) {
					if c.Labels[LabelProcess] == "web.2" {
						c.Running, c.ExitCode = false, 3
					}
				}
			},
			wantErr: ErrExited,
			wantMsg: "boot web.2 (v2): exited with code 3",
		},
		{
			name: "never listens", formation: "web=1",
			boot: func(t *testing.T) func(*Container) {
				addr := refusedAddr(t)
				return func(c *Container) { c.ContainerAddr = addr }
			},
			wantErr: ErrNotListening,
			wantMsg: "boot web.1 (v2): not listening on $PORT (5000) within 300ms",
		},
		{
			name: "unhealthy", formation: "web=1", healthPath: "/health",
			boot: func(t *testing.T) func(*Container) {
				return func(c *Container) { c.ContainerAddr = unhealthy.Listener.Addr().String() }
			},
			wantErr: ErrUnhealthy,
			wantMsg: "boot web.1 (v2): failed its health check: GET /health did not answer 2xx or 3xx within 300ms (last: 503 Service Unavailable)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, be, rt, ev := newTestRunner(t, Options{BootTimeout: 300 * time.Millisecond})
			be.add(existing("old1", "shop", 1, "web.1", true))
			be.add(existing("oldworker", "shop", 1, "worker.1", true))
			be.boot = tt.boot(t)
			be.logs = []string{"booting", "panic: no database"}

			sp := spec(release("shop", 2), tt.formation+" worker=1")
			sp.HealthPath = tt.healthPath
			err := r.Deploy(context.Background(), sp, io.Discard)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Deploy error = %v, want %v", err, tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantMsg) || !strings.Contains(msg, "\n    panic: no database") {
				t.Errorf("error %q lacks %q or the process's output", msg, tt.wantMsg)
			}
			if got, want := be.ids(), []string{"old1", "oldworker"}; !slices.Equal(got, want) {
				t.Errorf("containers = %v, want %v (new ones removed, old ones kept)", got, want)
			}
			if rt.sets != 0 {
				t.Errorf("routes changed on a failed deploy: %v", ev.all())
			}
			if ev.index("stop old") >= 0 {
				t.Errorf("old containers stopped on a failed deploy: %v", ev.all())
			}
		})
	}
}

func TestDeployReplacesWorkersAfterWebCutOver(t *testing.T) {
	r, be, _, ev := newTestRunner(t, Options{})
	be.add(existing("oldweb", "shop", 1, "web.1", true))
	be.add(existing("oldworker1", "shop", 1, "worker.1", true))
	be.add(existing("oldworker2", "shop", 1, "worker.2", true))
	be.add(existing("oldclock", "shop", 1, "clock.1", true))

	if err := r.Deploy(context.Background(), spec(release("shop", 2), "web=1 worker=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	route := ev.index("route shop")
	startWorker := ev.index("start new2 v2 worker.1")
	stopWorker := min(ev.index("stop oldworker1"), ev.index("stop oldworker2"))
	if route < 0 || startWorker < route || stopWorker < startWorker {
		t.Errorf("want web cut over, then the new worker started, then the old ones stopped: %v", ev.all())
	}
	if ev.index("stop oldclock") < 0 {
		t.Errorf("clock is not in the formation and must be stopped: %v", ev.all())
	}
	if got := be.ids(); !slices.Equal(got, []string{"new1", "new2"}) {
		t.Errorf("containers = %v, want the new web and worker", got)
	}
	if s := be.spec("new2"); s.Port != 0 || s.Labels[LabelType] != "worker" {
		t.Errorf("worker spec = %+v: want no published port, type worker", s)
	}
}

func TestDeployWorkerStartFailureIsNotADeployFailure(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{})
	be.start = func(s ContainerSpec) error {
		if s.Labels[LabelType] == "worker" {
			return errBoom
		}
		return nil
	}
	var out strings.Builder
	if err := r.Deploy(context.Background(), spec(release("shop", 2), "web=1 worker=1"), &out); err != nil {
		t.Fatalf("Deploy: %v (web is live: a worker that fails to start is the supervisor's to retry)", err)
	}
	if routes, _ := rt.get("shop"); len(routes) != 1 {
		t.Errorf("routes = %v", routes)
	}
	if !strings.Contains(out.String(), "worker.1 failed to start, it will be retried") {
		t.Errorf("output:\n%s", out.String())
	}
	procs, _ := r.Processes(context.Background(), "shop")
	if len(procs) != 2 || procs[1].Name != "worker.1" || procs[1].State != StateCrashed {
		t.Errorf("Processes = %+v, want worker.1 crashed", procs)
	}
}

func TestDeployStartFailure(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{})
	be.start = func(ContainerSpec) error { return errors.New("no such image") }
	rel := release("shop", 2)
	rel.Processes = nil
	err := r.Deploy(context.Background(), spec(rel, "web=1"), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "start web.1 (v2): no such image") || !strings.Contains(err.Error(), "Procfile") {
		t.Fatalf("Deploy error = %v, want the start failure and the Procfile hint", err)
	}
	if rt.sets != 0 {
		t.Error("routes changed on a failed deploy")
	}
}

func TestDeploySpec(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{DefaultMemory: 256 << 20})
	sp := spec(release("shop", 3), "web=1 worker=1")
	sp.Memory = map[string]int64{"worker": 1 << 30}
	if err := r.Deploy(context.Background(), sp, io.Discard); err != nil {
		t.Fatal(err)
	}
	web := be.spec("new1")
	if !strings.HasPrefix(web.Name, "paas-shop-web.1-v3-") || len(web.Name) != len("paas-shop-web.1-v3-")+8 {
		t.Errorf("Name = %q, want paas-shop-web.1-v3-<8 hex>", web.Name)
	}
	if want := []string{"/bin/sh", "-c", "exec server --port $PORT"}; !slices.Equal(web.Cmd, want) {
		t.Errorf("Cmd = %q, want %q", web.Cmd, want)
	}
	if web.Image != "sha256:imgshop" || web.Port != ContainerPort {
		t.Errorf("Image, Port = %q, %d", web.Image, web.Port)
	}
	wantLabels := map[string]string{LabelApp: "shop", LabelRelease: "v3", LabelProcess: "web.1", LabelType: "web", LabelDaemon: testDaemon}
	for k, v := range wantLabels {
		if web.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, web.Labels[k], v)
		}
	}
	for _, arg := range web.Cmd {
		if strings.Contains(arg, "hi") {
			t.Errorf("a config value reached argv: %q", web.Cmd)
		}
	}
	if web.Memory != 256<<20 {
		t.Errorf("web Memory = %d, want the default", web.Memory)
	}
	if worker := be.spec("new2"); worker.Memory != 1<<30 {
		t.Errorf("worker Memory = %d, want the spec's", worker.Memory)
	}
}

func TestSpecValidate(t *testing.T) {
	noProcfile := release("shop", 3)
	noProcfile.Processes = nil
	tests := []struct {
		name    string
		spec    Spec
		wantErr error
		wantMsg string
	}{
		{"web and worker", spec(release("shop", 3), "web=2 worker=1"), nil, ""},
		{"web without a Procfile", spec(noProcfile, "web=1"), nil, ""},
		{"zero of an unknown type", spec(release("shop", 3), "web=1 ghost=0"), nil, ""},
		{"release type is never run", spec(release("shop", 3), "web=1 release=1"), nil, ""},
		{"unknown type", spec(release("shop", 3), "web=1 ghost=2"), ErrUnknownType,
			`unknown process type "ghost": v3 has clock, web, worker`},
		{"worker without a Procfile", spec(noProcfile, "worker=1"), ErrUnknownType,
			`unknown process type "worker": v3 has web`},
		{"no image", Spec{Release: releases.Release{App: "shop", Version: 1}}, nil, "no app, image or version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.validate()
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("validate = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("validate = %v, want %q", err, tt.wantMsg)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("validate = %v, want errors.Is %v", err, tt.wantErr)
			}
		})
	}
	r, _, _, _ := newTestRunner(t, Options{})
	for name, call := range map[string]func() error{
		"Deploy":  func() error { return r.Deploy(context.Background(), spec(release("shop", 3), "ghost=1"), nil) },
		"Scale":   func() error { return r.Scale(context.Background(), spec(release("shop", 3), "ghost=1"), nil) },
		"Restart": func() error { return r.Restart(context.Background(), spec(release("shop", 3), "web=1"), "ghost", nil) },
	} {
		if err := call(); !errors.Is(err, ErrUnknownType) {
			t.Errorf("%s with an unknown type: %v, want ErrUnknownType", name, err)
		}
	}
}

func TestInstances(t *testing.T) {
	var got []string
	for _, in := range instances(spec(release("shop", 1), "worker=2 web=2 clock=1 release=1 ghost=0")) {
		got = append(got, in.Process)
	}
	if want := []string{"web.1", "web.2", "clock.1", "worker.1", "worker.2"}; !slices.Equal(got, want) {
		t.Errorf("instances = %v, want %v", got, want)
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
	go func() { done <- r.Deploy(context.Background(), spec(release("shop", 1), "web=1"), io.Discard) }()
	if got := <-entered; got != "shop v1" {
		t.Fatalf("first Start = %q", got)
	}
	go func() { done <- r.Deploy(context.Background(), spec(release("shop", 2), "web=1"), io.Discard) }()
	// Another app is not held up by shop's deploy.
	if err := r.Deploy(context.Background(), spec(release("blog", 1), "web=1"), io.Discard); err != nil {
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
	be.add(existing("d", "shop", 2, "worker.1", true))
	r.setInfo("c", StateStarting, "exec server")
	got, err := r.Processes(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name    string
		typ     string
		index   int
		release int
		state   string
	}
	var rows []row
	for _, p := range got {
		rows = append(rows, row{p.Name, p.Type, p.Index, p.Release, p.State})
	}
	want := []row{
		{"web.2", "web", 2, 2, StateCrashed},
		{"web.2", "web", 2, 3, StateStarting},
		{"web.10", "web", 10, 2, StateUp},
		{"worker.1", "worker", 1, 2, StateUp},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("Processes = %v, want %v", rows, want)
	}
	if got[1].Command != "exec server" {
		t.Errorf("Command = %q", got[1].Command)
	}
}

func TestScale(t *testing.T) {
	r, be, rt, ev := newTestRunner(t, Options{})
	ctx := context.Background()
	rel := release("shop", 2)
	if err := r.Deploy(ctx, spec(rel, "web=1"), io.Discard); err != nil {
		t.Fatal(err)
	}

	// Up: web.2 and web.3 start, are ready, then routed with web.1.
	if err := r.Scale(ctx, spec(rel, "web=3 worker=2"), io.Discard); err != nil {
		t.Fatalf("Scale up: %v", err)
	}
	if routes, _ := rt.get("shop"); !slices.Equal(routes, []string{"127.0.0.1:40001", "127.0.0.1:40002", "127.0.0.1:40003"}) {
		t.Errorf("routes = %v, want web.1..3", routes)
	}
	if ev.index("stop") >= 0 {
		t.Errorf("scaling up stopped something: %v", ev.all())
	}
	procs, _ := r.Processes(ctx, "shop")
	if len(procs) != 5 {
		t.Errorf("Processes = %+v, want 3 web and 2 worker", procs)
	}

	// Down: the highest indexes go; web ones leave the routes and drain
	// before they stop.
	before := len(ev.all())
	if err := r.Scale(ctx, spec(rel, "web=1 worker=1"), io.Discard); err != nil {
		t.Fatalf("Scale down: %v", err)
	}
	after := ev.all()[before:]
	at := func(prefix string) int {
		return slices.IndexFunc(after, func(s string) bool { return strings.HasPrefix(s, prefix) })
	}
	route, drain := at("route shop [127.0.0.1:40001]"), at("drain shop [127.0.0.1:40003 127.0.0.1:40002]")
	if route < 0 || drain < route || at("stop new2") < drain || at("stop new3") < drain {
		t.Errorf("want route, drain web.3 and web.2 (highest first), then stop; events: %v", after)
	}
	if got := be.ids(); !slices.Equal(got, []string{"new1", "new4"}) {
		t.Errorf("containers = %v, want web.1 (new1) and worker.1 (new4)", got)
	}

	// To zero.
	if err := r.Scale(ctx, spec(rel, "web=0 worker=0"), io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := be.ids(); len(got) != 0 {
		t.Errorf("containers after scaling to 0 = %v", got)
	}
	if routes, ok := rt.get("shop"); !ok || len(routes) != 0 {
		t.Errorf("routes = %v, want none", routes)
	}
}

func TestScaleBootFailureChangesNothing(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{BootTimeout: 300 * time.Millisecond})
	ctx := context.Background()
	rel := release("shop", 2)
	if err := r.Deploy(ctx, spec(rel, "web=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	sets := rt.sets
	be.boot = func(c *Container) {
		if c.Labels[LabelProcess] == "web.3" {
			c.Running, c.ExitCode = false, 1
		}
	}
	err := r.Scale(ctx, spec(rel, "web=3"), io.Discard)
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "web.3") {
		t.Fatalf("Scale = %v, want web.3's boot failure", err)
	}
	if got := be.ids(); !slices.Equal(got, []string{"new1"}) || rt.sets != sets {
		t.Errorf("containers = %v, route changes %d -> %d: want only web.1 and no change", got, sets, rt.sets)
	}
}

func TestRestartOneType(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{})
	ctx := context.Background()
	sp := spec(release("shop", 2), "web=2 worker=1")
	if err := r.Deploy(ctx, sp, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := r.Restart(ctx, sp, "worker", io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := be.ids(); !slices.Equal(got, []string{"new1", "new2", "new4"}) {
		t.Errorf("containers = %v: want web untouched and a new worker", got)
	}
	if err := r.Restart(ctx, sp, "", io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := be.ids(); !slices.Equal(got, []string{"new5", "new6", "new7"}) {
		t.Errorf("containers = %v, want all new", got)
	}
	if routes, _ := rt.get("shop"); !slices.Equal(routes, []string{"127.0.0.1:40005", "127.0.0.1:40006"}) {
		t.Errorf("routes = %v", routes)
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

// One process is replaced; the others, and the router's other backends,
// are untouched.
func TestRestartOneProcess(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{})
	ctx := context.Background()
	sp := spec(release("shop", 2), "web=2 worker=1")
	if err := r.Deploy(ctx, sp, io.Discard); err != nil {
		t.Fatal(err)
	}
	before, _ := rt.get("shop")
	if err := r.RestartProcess(ctx, sp, "web.2", io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := be.ids(); !slices.Equal(got, []string{"new1", "new3", "new4"}) {
		t.Errorf("containers = %v: want web.2 alone replaced", got)
	}
	after, _ := rt.get("shop")
	if len(after) != 2 || after[0] != before[0] || after[1] == before[1] {
		t.Errorf("routes %v -> %v: want web.1's kept and web.2's new", before, after)
	}
	if err := r.RestartProcess(ctx, sp, "web.9", io.Discard); !errors.Is(err, ErrNoSuchProcess) {
		t.Errorf("web.9: %v, want ErrNoSuchProcess", err)
	}
}

// Without published ports (paasd's default), the router reaches web
// processes at their address on the app's network, and the container is
// asked for no published port.
func TestRoutesToContainerAddress(t *testing.T) {
	ev := &events{}
	be := newFakeBackend(t, ev)
	rt := &fakeRoutes{ev: ev}
	r := New(be, rt, Options{DaemonID: testDaemon, Events: &fakeEvents{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := r.Deploy(context.Background(), spec(release("shop", 1), "web=1"), io.Discard); err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	routes, _ := rt.get("shop")
	if want := []string{be.ready}; !slices.Equal(routes, want) {
		t.Errorf("routes = %v, want the container's address %v", routes, want)
	}
	for id, s := range be.specs {
		if s.Port != ContainerPort || s.Publish {
			t.Errorf("container %s: port %d, published %v; want %d unpublished", id, s.Port, s.Publish, ContainerPort)
		}
	}
}

// Where the router is sent: the setting's address, or the one a container
// has when it was started under the other setting.
func TestRouteAddr(t *testing.T) {
	both := Container{HostAddr: "127.0.0.1:32768", ContainerAddr: "172.18.0.2:5000"}
	bridgeOnly := Container{ContainerAddr: "172.18.0.2:5000"}
	hostOnly := Container{HostAddr: "127.0.0.1:32768"}
	for _, tt := range []struct {
		publish bool
		c       Container
		want    string
	}{
		{false, both, "172.18.0.2:5000"},
		{false, bridgeOnly, "172.18.0.2:5000"},
		{false, hostOnly, "127.0.0.1:32768"},
		{true, both, "127.0.0.1:32768"},
		{true, bridgeOnly, "172.18.0.2:5000"},
		{true, Container{}, ""},
	} {
		r := &Runner{opts: Options{PublishPorts: tt.publish}}
		if got := r.routeAddr(tt.c); got != tt.want {
			t.Errorf("publish %v, %+v: %q, want %q", tt.publish, tt.c, got, tt.want)
		}
	}
}
