package runner

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/paas-dev/paas/internal/dockertest"
	"github.com/paas-dev/paas/internal/releases"
)

// dockerEnv is one test's share of the real engine: its own daemon ID, so it
// only ever sees its own containers, and an image of its own.
type dockerEnv struct {
	cli      *client.Client
	backend  *Docker
	image    string
	daemonID string
}

func newDockerEnv(t *testing.T) *dockerEnv {
	t.Helper()
	cli := dockertest.Client(t)
	env := &dockerEnv{cli: cli, backend: NewDocker(cli), image: dockertest.BusyboxImage(t, cli), daemonID: "test-" + dockertest.RandomSuffix()}
	// Registered after the image's clean-up, so it runs before it: the
	// containers go first, even when the test fails half-way.
	t.Cleanup(func() { env.removeAll(t) })
	return env
}

func (e *dockerEnv) removeAll(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := e.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelDaemon+"="+e.daemonID))})
	if err != nil {
		t.Errorf("clean up: list containers: %v", err)
		return
	}
	for _, c := range cs {
		if err := e.cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("clean up: remove %s: %v", c.ID, err)
		}
	}
	nets, err := e.cli.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelDaemon+"="+e.daemonID))})
	if err != nil {
		t.Errorf("clean up: list networks: %v", err)
		return
	}
	for _, n := range nets {
		if err := e.cli.NetworkRemove(ctx, n.ID); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("clean up: remove network %s: %v", n.Name, err)
		}
	}
}

func (e *dockerEnv) runner(t *testing.T, rt Routes, boot time.Duration) *Runner {
	t.Helper()
	return e.runnerWith(t, rt, Options{BootTimeout: boot})
}

// runnerWith is a runner of this env's daemon; its events go to a fakeEvents
// (logOf).
func (e *dockerEnv) runnerWith(t *testing.T, rt Routes, opts Options) *Runner {
	t.Helper()
	opts.DaemonID = e.daemonID
	if opts.StopTimeout == 0 {
		opts.StopTimeout = 5 * time.Second
	}
	opts.Events = &fakeEvents{}
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(e.backend, rt, opts)
}

// webOnly runs rel with one web process.
func webOnly(rel releases.Release) Spec {
	return Spec{Release: rel, Formation: map[string]int{"web": 1}}
}

func (e *dockerEnv) release(app string, version int, web string) releases.Release {
	return releases.Release{
		Version: version, App: app, Image: e.image,
		Config:    map[string]string{"GREETING": "hello from config", "PORT": "1"},
		Processes: map[string]string{"web": web},
	}
}

// ids lists the IDs of the app's containers, sorted.
func (e *dockerEnv) ids(t *testing.T, app string) []string {
	t.Helper()
	cs, err := e.backend.List(context.Background(), map[string]string{LabelApp: app, LabelDaemon: e.daemonID})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	slices.Sort(ids)
	return ids
}

// httpdWeb is a web process that serves body at / and its environment at /env.
func httpdWeb(body string) string {
	return "echo " + body + " > /www/index.html; env > /www/env; exec httpd -f -p $PORT -h /www"
}

// get fetches path from the app's single route.
func get(t *testing.T, rt *fakeRoutes, app, path string) string {
	t.Helper()
	routes, _ := rt.get(app)
	if len(routes) != 1 {
		t.Fatalf("routes of %s = %v, want one", app, routes)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + routes[0] + path)
	if err != nil {
		t.Fatalf("GET %s%s: %v", routes[0], path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s%s: %s %v", routes[0], path, resp.Status, err)
	}
	return string(body)
}

func TestDockerDeployCutOverAndStop(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	rt := &fakeRoutes{ev: &events{}}
	r := env.runner(t, rt, 30*time.Second)

	var out strings.Builder
	if err := r.Deploy(ctx, webOnly(env.release(app, 1, httpdWeb("v1"))), &out); err != nil {
		t.Fatalf("deploy v1: %v\n%s", err, out.String())
	}
	// Readiness means serving: the first request after Deploy must succeed.
	if got := get(t, rt, app, "/"); got != "v1\n" {
		t.Errorf("v1 body = %q", got)
	}
	environ := strings.Split(get(t, rt, app, "/env"), "\n")
	for _, kv := range []string{"PORT=5000", "PAAS_APP=" + app, "PAAS_PROCESS=web.1", "PAAS_RELEASE=v1", "DYNO=web.1", "GREETING=hello from config"} {
		if !slices.Contains(environ, kv) {
			t.Errorf("process environment lacks %q: %q", kv, environ)
		}
	}
	v1, err := env.backend.List(ctx, map[string]string{LabelApp: app, LabelRelease: "v1"})
	if err != nil || len(v1) != 1 {
		t.Fatalf("v1 containers = %v, %v", v1, err)
	}

	if err := r.Deploy(ctx, webOnly(env.release(app, 2, httpdWeb("v2"))), &out); err != nil {
		t.Fatalf("deploy v2: %v\n%s", err, out.String())
	}
	if got := get(t, rt, app, "/"); got != "v2\n" {
		t.Errorf("v2 body = %q", got)
	}
	if _, err := env.cli.ContainerInspect(ctx, v1[0].ID); !cerrdefs.IsNotFound(err) {
		t.Errorf("v1 container still exists after v2 went live (inspect: %v)", err)
	}
	for _, line := range []string{"-----> Starting web.1 (v2)", "-----> web.1 is up", "-----> Stopping web.1 (v1)"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}

	procs, err := r.Processes(ctx, app)
	if err != nil || len(procs) != 1 || procs[0].Name != "web.1" || procs[0].Release != 2 || procs[0].State != StateUp || procs[0].StartedAt.IsZero() {
		t.Errorf("Processes = %+v, %v; want web.1 v2 up", procs, err)
	}

	if err := r.StopApp(ctx, app); err != nil {
		t.Fatalf("StopApp: %v", err)
	}
	if left, err := env.backend.List(ctx, map[string]string{LabelApp: app}); err != nil || len(left) != 0 {
		t.Errorf("containers after StopApp = %v, %v", left, err)
	}
	if routes, ok := rt.get(app); !ok || len(routes) != 0 {
		t.Errorf("routes after StopApp = %v", routes)
	}
}

func TestDockerBootFailureKeepsServing(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	rt := &fakeRoutes{ev: &events{}}
	r := env.runner(t, rt, 3*time.Second)
	if err := r.Deploy(ctx, webOnly(env.release(app, 2, httpdWeb("v2"))), io.Discard); err != nil {
		t.Fatalf("deploy v2: %v", err)
	}

	tests := []struct {
		name    string
		web     string
		wantErr error
		wantMsg []string
	}{
		{"exits", "echo cannot connect to database >&2; exit 3", ErrExited,
			[]string{"boot web.1 (v3): exited with code 3", "    cannot connect to database"}},
		{"never listens", "echo waiting forever; exec sleep 60", ErrNotListening,
			[]string{"boot web.1 (v3): not listening on $PORT (5000) within 3s", "    waiting forever"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Deploy(ctx, webOnly(env.release(app, 3, tt.web)), io.Discard)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("deploy v3 error = %v, want %v", err, tt.wantErr)
			}
			for _, s := range tt.wantMsg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
			if got := get(t, rt, app, "/"); got != "v2\n" {
				t.Errorf("after a failed v3, body = %q, want v2", got)
			}
			cs, err := env.backend.List(ctx, map[string]string{LabelApp: app})
			if err != nil || len(cs) != 1 || cs[0].Labels[LabelRelease] != "v2" || !cs[0].Running {
				t.Errorf("containers = %+v, %v; want only v2, running", cs, err)
			}
		})
	}
}

func TestDockerRestoreAdopts(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	first := &fakeRoutes{ev: &events{}}
	rel := webOnly(env.release(app, 1, httpdWeb("v1")))
	if err := env.runner(t, first, 30*time.Second).Deploy(ctx, rel, io.Discard); err != nil {
		t.Fatal(err)
	}
	before, _ := first.get(app)
	idsBefore := env.ids(t, app)

	// Another daemon's container on the same engine must survive the restore.
	other := &dockerEnv{cli: env.cli, backend: env.backend, image: env.image, daemonID: "test-" + dockertest.RandomSuffix()}
	t.Cleanup(func() { other.removeAll(t) })
	if err := other.runner(t, &fakeRoutes{ev: &events{}}, 30*time.Second).Deploy(ctx, webOnly(other.release("stranger", 1, httpdWeb("x"))), io.Discard); err != nil {
		t.Fatal(err)
	}

	// The daemon restarts: a new runner with empty routes.
	second := &fakeRoutes{ev: &events{}}
	if err := env.runner(t, second, 30*time.Second).Restore(ctx, []Spec{rel}); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	after, _ := second.get(app)
	if !slices.Equal(before, after) {
		t.Errorf("routes after restore = %v, want the adopted container at %v", after, before)
	}
	if got := get(t, second, app, "/"); got != "v1\n" {
		t.Errorf("body = %q", got)
	}
	if ids := env.ids(t, app); !slices.Equal(ids, idsBefore) {
		t.Errorf("container IDs after restore = %v, want unchanged %v", ids, idsBefore)
	}
	if cs, err := other.backend.List(ctx, map[string]string{LabelDaemon: other.daemonID}); err != nil || len(cs) != 1 || !cs[0].Running {
		t.Errorf("the other daemon's containers = %+v, %v; want its one, untouched", cs, err)
	}

	// An app that is no longer in the list loses its containers.
	if err := env.runner(t, second, 30*time.Second).Restore(ctx, nil); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if cs, err := env.backend.List(ctx, map[string]string{LabelDaemon: env.daemonID}); err != nil || len(cs) != 0 {
		t.Errorf("containers of a removed app = %+v, %v; want none", cs, err)
	}
}

func TestDockerBackend(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	start := func(proc string, port int, publish bool) Container {
		t.Helper()
		c, err := env.backend.Start(ctx, ContainerSpec{
			Name: "paas-test-" + proc + "-" + dockertest.RandomSuffix(), Image: env.image,
			Cmd:    []string{"/bin/sh", "-c", "echo started $PAAS_PROCESS; exec httpd -f -p 5000 -h /www"},
			Env:    []string{"PAAS_PROCESS=" + proc},
			Labels: map[string]string{LabelDaemon: env.daemonID, LabelProcess: proc},
			Port:   port, Publish: publish,
		})
		if err != nil {
			t.Fatalf("Start %s: %v", proc, err)
		}
		return c
	}
	web := start("web.1", ContainerPort, true)
	worker := start("worker.1", 0, false)
	unpublished := start("web.2", ContainerPort, false)
	defer func() { _ = env.backend.Remove(ctx, unpublished.ID) }()

	if !web.Running || web.StartedAt.IsZero() || !strings.HasPrefix(web.HostAddr, "127.0.0.1:") || !strings.HasSuffix(web.ContainerAddr, ":5000") {
		t.Errorf("web container = %+v: want running, started, published on 127.0.0.1, with a bridge address", web)
	}
	if unpublished.HostAddr != "" || !strings.HasSuffix(unpublished.ContainerAddr, ":5000") {
		t.Errorf("unpublished web container: host %q, bridge %q; want no host port and the bridge address", unpublished.HostAddr, unpublished.ContainerAddr)
	}
	if worker.HostAddr != "" {
		t.Errorf("worker HostAddr = %q, want none: it publishes no port", worker.HostAddr)
	}

	got, err := env.backend.List(ctx, map[string]string{LabelDaemon: env.daemonID, LabelProcess: "web.1"})
	if err != nil || len(got) != 1 || got[0].ID != web.ID || got[0].Labels[LabelProcess] != "web.1" {
		t.Errorf("List web.1 = %+v, %v; want the web container alone", got, err)
	}
	if all, err := env.backend.List(ctx, map[string]string{LabelDaemon: env.daemonID}); err != nil || len(all) != 3 {
		t.Errorf("List by daemon = %d containers, %v; want 3", len(all), err)
	}

	// httpd as the process under docker-init stops on SIGTERM, well inside the grace.
	began := time.Now()
	if err := env.backend.Stop(ctx, worker.ID, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("Stop took %s: SIGTERM did not stop the process", took)
	}
	stopped, err := env.backend.Inspect(ctx, worker.ID)
	if err != nil || stopped.Running || stopped.HostAddr != "" {
		t.Errorf("after Stop: %+v, %v", stopped, err)
	}
	if lines, err := env.backend.Logs(ctx, worker.ID, 20); err != nil || !slices.Contains(lines, "started worker.1") {
		t.Errorf("Logs = %q, %v", lines, err)
	}
	for range 2 { // the second time, it is missing: not an error
		if err := env.backend.Remove(ctx, worker.ID); err != nil {
			t.Errorf("Remove: %v", err)
		}
	}
	if err := env.backend.Stop(ctx, worker.ID, time.Second); err != nil {
		t.Errorf("Stop of a missing container: %v", err)
	}

	// A failed start leaves nothing behind. (A missing binary is not one:
	// docker-init starts, then exits 127, which readiness reports.)
	_, err = env.backend.Start(ctx, ContainerSpec{
		Name: "paas-test-bad-" + dockertest.RandomSuffix(), Image: env.image,
		Labels: map[string]string{LabelDaemon: env.daemonID, LabelProcess: "bad"},
		Port:   ContainerPort,
	})
	if err == nil {
		t.Error("Start with no command (the image has no CMD) succeeded")
	}
	if left, _ := env.backend.List(ctx, map[string]string{LabelDaemon: env.daemonID, LabelProcess: "bad"}); len(left) != 0 {
		t.Errorf("a failed Start left %d containers", len(left))
	}
}
