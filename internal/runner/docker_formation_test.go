package runner

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/dockertest"
)

// getAddr fetches path from addr.
func getAddr(t *testing.T, addr, path string) string {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		t.Fatalf("GET %s%s: %v", addr, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s%s: %s %v", addr, path, resp.Status, err)
	}
	return string(body)
}

func TestDockerScaleWebToThree(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	rt := &fakeRoutes{ev: &events{}}
	r := env.runner(t, rt, 30*time.Second)
	rel := env.release(app, 1, httpdWeb("v1"))
	if err := r.Deploy(ctx, webOnly(rel), io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := r.Scale(ctx, Spec{Release: rel, Formation: map[string]int{"web": 3}}, io.Discard); err != nil {
		t.Fatalf("Scale: %v", err)
	}
	routes, _ := rt.get(app)
	if len(routes) != 3 {
		t.Fatalf("routes = %v, want 3", routes)
	}
	var seen []string
	for _, addr := range routes {
		for _, kv := range strings.Split(getAddr(t, addr, "/env"), "\n") {
			if strings.HasPrefix(kv, "PAAS_PROCESS=") {
				seen = append(seen, strings.TrimPrefix(kv, "PAAS_PROCESS="))
			}
		}
	}
	slices.Sort(seen)
	if want := []string{"web.1", "web.2", "web.3"}; !slices.Equal(seen, want) {
		t.Errorf("routed processes = %v, want %v", seen, want)
	}

	if err := r.Scale(ctx, webOnly(rel), io.Discard); err != nil {
		t.Fatalf("Scale down: %v", err)
	}
	procs, err := r.Processes(ctx, app)
	if err != nil || len(procs) != 1 || procs[0].Name != "web.1" || procs[0].State != StateUp {
		t.Errorf("Processes = %+v, %v; want web.1 alone", procs, err)
	}
	if routes, _ := rt.get(app); len(routes) != 1 || getAddr(t, routes[0], "/") != "v1\n" {
		t.Errorf("routes = %v", routes)
	}
}

func TestDockerKilledProcessComesBack(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	rt := &fakeRoutes{ev: &events{}}
	r := env.runnerWith(t, rt, Options{BootTimeout: 10 * time.Second, BackoffBase: 100 * time.Millisecond})
	supervise(t, r) // ends before the containers are cleaned up
	if err := r.Deploy(ctx, webOnly(env.release(app, 1, httpdWeb("v1"))), io.Discard); err != nil {
		t.Fatal(err)
	}
	before := process(t, r, app, "web.1")
	if err := env.cli.ContainerKill(ctx, before.ContainerID, "KILL"); err != nil {
		t.Fatal(err)
	}
	var p Process
	if !eventually(t, 20*time.Second, func() bool {
		p = process(t, r, app, "web.1")
		routes, _ := rt.get(app)
		return p.ContainerID != "" && p.ContainerID != before.ContainerID && p.State == StateUp && len(routes) == 1
	}) {
		t.Fatalf("web.1 = %+v, want a new container, up; events %q", p, logOf(r).all())
	}
	if p.Restarts != 1 {
		t.Errorf("Restarts = %d, want 1", p.Restarts)
	}
	if got := get(t, rt, app, "/"); got != "v1\n" {
		t.Errorf("body after the restart = %q", got)
	}
	if !logOf(r).has(app + " web.1: Process exited with status 137") {
		t.Errorf("events: %q", logOf(r).all())
	}
	if ids := env.ids(t, app); !slices.Equal(ids, []string{p.ContainerID}) {
		t.Errorf("containers = %v, want only the new one", ids)
	}
}

func TestDockerCrashLoopBacksOff(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	r := env.runnerWith(t, &fakeRoutes{ev: &events{}}, Options{BackoffBase: 300 * time.Millisecond, BackoffMax: 1200 * time.Millisecond})
	supervise(t, r) // ends before the containers are cleaned up
	rel := env.release(app, 1, httpdWeb("v1"))
	rel.Processes["worker"] = "echo giving up; exit 3"
	if err := r.Deploy(ctx, Spec{Release: rel, Formation: map[string]int{"worker": 1}}, io.Discard); err != nil {
		t.Fatal(err)
	}
	log := logOf(r)
	if !eventually(t, 20*time.Second, func() bool {
		return log.has(app + " worker.1: Restarting in 600ms (crashed 3 times)")
	}) {
		t.Fatalf("no growing back-off in the events: %q", log.all())
	}
	for _, line := range []string{
		app + " worker.1: Process exited with status 3",
		app + " worker.1: State changed from up to crashed",
		app + " worker.1: Restarting",
		app + " worker.1: Restarting in 300ms (crashed 2 times)",
	} {
		if !log.has(line) {
			t.Errorf("events lack %q: %q", line, log.all())
		}
	}
	var p Process
	if !eventually(t, 10*time.Second, func() bool {
		p = process(t, r, app, "worker.1")
		return p.State == StateCrashed && p.Restarts >= 2
	}) {
		t.Errorf("worker.1 = %+v, want crashed between restarts", p)
	}
}

func TestDockerHealthPathFailingKeepsOld(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	rt := &fakeRoutes{ev: &events{}}
	r := env.runner(t, rt, 2*time.Second)
	if err := r.Deploy(ctx, webOnly(env.release(app, 1, httpdWeb("v1"))), io.Discard); err != nil {
		t.Fatal(err)
	}
	failing := webOnly(env.release(app, 2, httpdWeb("v2"))) // serves no /health: 404
	failing.HealthPath = "/health"
	err := r.Deploy(ctx, failing, io.Discard)
	if !errors.Is(err, ErrUnhealthy) || !strings.Contains(err.Error(), "404 Not Found") {
		t.Fatalf("deploy v2 = %v, want ErrUnhealthy with the 404", err)
	}
	if got := get(t, rt, app, "/"); got != "v1\n" {
		t.Errorf("body = %q, want v1 still", got)
	}
	healthy := webOnly(env.release(app, 3, "echo ok > /www/health; "+httpdWeb("v3")))
	healthy.HealthPath = "/health"
	if err := r.Deploy(ctx, healthy, io.Discard); err != nil {
		t.Fatalf("deploy v3: %v", err)
	}
	if got := get(t, rt, app, "/"); got != "v3\n" {
		t.Errorf("body = %q, want v3", got)
	}
}

func TestDockerMemoryLimit(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	r := env.runnerWith(t, &fakeRoutes{ev: &events{}}, Options{DefaultMemory: 96 << 20})
	rel := env.release(app, 1, httpdWeb("v1"))
	rel.Processes["worker"] = "exec sleep 60"
	sp := Spec{Release: rel, Formation: map[string]int{"web": 1, "worker": 1}, Memory: map[string]int64{"web": 64 << 20}}
	if err := r.Deploy(ctx, sp, io.Discard); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{"web.1": 64 << 20, "worker.1": 96 << 20} {
		resp, err := env.cli.ContainerInspect(ctx, process(t, r, app, name).ContainerID)
		if err != nil {
			t.Fatal(err)
		}
		if hc := resp.HostConfig; hc.Memory != want || hc.MemorySwap != want {
			t.Errorf("%s: Memory %d, MemorySwap %d; want both %d", name, hc.Memory, hc.MemorySwap, want)
		}
	}
}
