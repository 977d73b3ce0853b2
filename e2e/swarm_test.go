package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/paas-dev/paas/internal/dockertest"
	"github.com/paas-dev/paas/internal/swarmtest"
)

// swarmProcess is a process as paasctl ps --json shows it on a swarm.
type swarmProcess struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	State       string    `json:"state"`
	Node        string    `json:"node"`
	MemoryBytes *uint64   `json:"memory_bytes"`
	StartedAt   time.Time `json:"started_at"`
}

// The README's tour on a swarm of three private engines, paasd on the
// manager with PAAS_BACKEND=swarm: a push, web scaled to 3 spread over the
// nodes and all reached by the router, each process's output in the app's
// stream as web.N, a one-off's exit code, deploys, a config change and a
// restart under constant load without a failed request, a worker lost
// without a failed request, and a paasd restart that adopts the services
// without touching them. The app has a Redis add-on, whose container on
// the manager every node's processes reach over the app's overlay network,
// and its destroy leaves nothing on the swarm.
func TestSwarmBackend(t *testing.T) {
	c := swarmtest.Start(t, 3)
	m := c.Manager()
	base := dockertest.BusyboxImage(t, m.Client)
	var hosts []string
	for _, n := range c.Nodes {
		hosts = append(hosts, n.Host)
	}
	// Redis's image on the manager's engine, which runs add-ons.
	main := dockertest.Client(t)
	redis := configuredRedisImage(t, main)
	m.LoadImage(t, main, redis)
	env := []string{"DOCKER_HOST=" + m.Host, "PAAS_BACKEND=swarm", "PAAS_SWARM_NODES=" + strings.Join(hosts, ","), "PAAS_REDIS_IMAGE=" + redis}
	d := startDaemon(t, daemonOptions{env: env})

	app := d.createApp(m.Client)
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "v1\n")
	repo.write("Procfile", "web: hostname > /www/host; env > /www/env.txt; echo started $PAAS_PROCESS on $(hostname); exec httpd -f -p $PORT -h /www\n"+
		"clock: i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done\n"+
		// Asks Redis for PONG and prints its answer (NOAUTH: no password given).
		"probe: hp=${REDIS_URL##*@}; while :; do echo redis answered $(echo PING | nc -w 2 ${hp%:*} ${hp##*:}); sleep 1; done\n")
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	assertServes(t, d, app, "v1\n")

	first := swarmPS(t, d, app)
	out := d.mustPaasctl(repo.dir, "scale", "web=3")
	t.Logf("paasctl scale web=3:\n%s", out)
	procs := swarmPS(t, d, app)
	nodes := map[string]bool{}
	for _, p := range procs {
		if p.State != "up" {
			t.Errorf("%s is %s after scale, want up", p.Name, p.State)
		}
		nodes[p.Node] = true
	}
	if len(procs) != 3 || len(nodes) != 3 {
		t.Fatalf("after scale web=3, ps shows %+v; want 3 processes up on 3 nodes", procs)
	}
	if len(first) != 1 || procs[0].ID != first[0].ID || !procs[0].StartedAt.Equal(first[0].StartedAt) {
		t.Errorf("scaling up replaced web.1, or moved its start: %+v, then %+v", first, procs[0])
	}
	t.Logf("paasctl ps:\n%s", d.mustPaasctl(repo.dir, "ps"))
	// The router reaches every one of them.
	seen := map[string]bool{}
	waitFor(t, 30*time.Second, "the router to reach all 3 web processes", func() bool {
		if code, body, err := d.get(app, "/host"); err == nil && code == http.StatusOK {
			seen[strings.TrimSpace(body)] = true
		}
		return len(seen) == 3
	})
	// Each one's output is in the app's stream under its name.
	waitFor(t, 30*time.Second, "each web process's output in the log stream", func() bool {
		logs := d.mustPaasctl(repo.dir, "logs", "-n", "500")
		for _, p := range []string{"web.1", "web.2", "web.3"} {
			if !strings.Contains(logs, "app["+p+"]: started "+p+" on ") {
				return false
			}
		}
		return true
	})
	// A one-off's exit code comes through.
	if out, err := d.paasctl(repo.dir, "run", "echo one-off on $PAAS_RELEASE; exit 3"); !exitCode(err, 3) || !strings.Contains(out, "one-off on v1") {
		t.Errorf("paasctl run: %v\n%s; want exit status 3", err, out)
	}

	// An add-on: its service on the manager's engine, reached over the
	// app's network from processes on every node.
	if out := d.mustPaasctl(repo.dir, "addons:create", "redis"); !strings.Contains(out, "as REDIS_URL") {
		t.Fatalf("addons:create redis:\n%s", out)
	}
	d.mustPaasctl(repo.dir, "scale", "probe=3")
	waitFor(t, time.Minute, "each probe, one per node, to reach Redis", func() bool {
		logs := d.mustPaasctl(repo.dir, "logs", "-n", "500", "-p", "probe")
		for _, p := range []string{"probe.1", "probe.2", "probe.3"} {
			if !strings.Contains(logs, "app["+p+"]: redis answered -NOAUTH") {
				return false
			}
		}
		return true
	})
	probeNodes := map[string]bool{}
	for _, p := range swarmPS(t, d, app) {
		if strings.HasPrefix(p.Name, "probe.") {
			probeNodes[p.Node] = true
		}
	}
	if len(probeNodes) != 3 {
		t.Errorf("the probes ran on %v, want 3 nodes", probeNodes)
	}
	d.mustPaasctl(repo.dir, "scale", "probe=0")

	// Deploys, a config change and a restart, under load.
	l := startLoad(d, app, "/index.html")
	repo.write("index.html", "v2\n")
	repo.commit("v2")
	if out, err := repo.push(); err != nil {
		t.Fatalf("push v2: %v\n%s", err, out)
	}
	// A value the swarm would take for a template is the app's as set.
	d.mustPaasctl(repo.dir, "config:set", "UNDER_LOAD=1", "TEMPLATE={{.Service.Name}} a{{b")
	assertProcessEnv(t, d, app, "TEMPLATE={{.Service.Name}} a{{b", "UNDER_LOAD=1")
	d.mustPaasctl(repo.dir, "rollback")
	d.mustPaasctl(repo.dir, "ps:restart", "web")
	// A web process that never listens: the swarm rolls the update back,
	// the push fails, and the release before keeps serving.
	repo.write("Procfile", "web: echo not listening; exec sleep 1000\n")
	repo.commit("never listens")
	out, err := repo.push()
	if err == nil || !strings.Contains(out, "rolled the update back") || !strings.Contains(out, "not listening") {
		t.Errorf("a push whose web process never listens: %v\n%s; want it refused, rolled back, with the process's output", err, out)
	}
	t.Logf("a push whose web process never listens:\n%s", out)
	l.end(t, "a deploy, a config change, a rollback, a restart and a failed deploy on the swarm")
	assertServes(t, d, app, "v2\n")
	// The rest of the tour.
	for _, args := range [][]string{{"apps:info"}, {"releases"}, {"releases:diff", "v3", "v4"}, {"releases:verify"}} {
		d.mustPaasctl(repo.dir, args...)
	}
	if procs := swarmPS(t, d, app); len(procs) != 3 {
		t.Errorf("after the failed deploy ps shows %+v; want web.1 to web.3 of the release before", procs)
	}

	// A worker lost, under load: its process starts on the nodes left.
	var lost *swarmtest.Node
	for _, p := range swarmPS(t, d, app) {
		for _, n := range c.Nodes[1:] {
			if p.Node == n.Name {
				lost = n
			}
		}
	}
	if lost == nil {
		t.Fatalf("no web process runs on a worker: %+v", swarmPS(t, d, app))
	}
	l = startLoad(d, app, "/index.html")
	c.StopNode(t, lost)
	waitFor(t, 2*time.Minute, "the lost worker's process to start elsewhere", func() bool {
		up := 0
		for _, p := range swarmPS(t, d, app) {
			if p.State == "up" && p.Node != lost.Name {
				up++
			}
		}
		return up == 3
	})
	l.end(t, "losing a worker")

	// paasd restarted: the services are adopted, not updated, and what a
	// process wrote meanwhile is in the stream, nothing lost or repeated.
	d.mustPaasctl(repo.dir, "scale", "clock=1")
	waitFor(t, 30*time.Second, "the clock's output in the stream", func() bool {
		return strings.Contains(d.mustPaasctl(repo.dir, "logs", "-n", "1500"), "app[clock.1]: tick 3\n")
	})
	before := serviceVersions(t, m)
	d.stop()
	waitFor(t, 30*time.Second, "the clock to tick on while paasd is down", func() bool {
		return strings.Contains(clockOutput(t, m), "tick 30\n")
	})
	d = startDaemon(t, daemonOptions{dataDir: d.dataDir, token: d.token, routerAddr: d.routerAddr, env: env})
	assertServes(t, d, app, "v2\n")
	if after := serviceVersions(t, m); !equal(before, after) {
		t.Errorf("paasd's restart changed the services: %v, then %v", before, after)
	}
	var logs string
	waitFor(t, 30*time.Second, "the clock's output after paasd's restart", func() bool {
		logs = d.mustPaasctl(repo.dir, "logs", "-n", "1500", "-p", "clock.1")
		return strings.Contains(logs, "app[clock.1]: tick 40\n")
	})
	var ticks []int
	for _, line := range strings.Split(logs, "\n") {
		if _, n, ok := strings.Cut(line, "app[clock.1]: tick "); ok {
			i, err := strconv.Atoi(n)
			if err != nil {
				t.Fatalf("a tick line: %q", line)
			}
			ticks = append(ticks, i)
		}
	}
	for i, n := range ticks {
		if n != i+1 {
			t.Fatalf("the clock's lines across paasd's restart are not 1, 2, 3, ...: %v", ticks)
		}
	}

	// What each process uses, sampled on its node's engine.
	waitFor(t, 30*time.Second, "each web process's memory in use, from its node", func() bool {
		n := 0
		for _, p := range swarmPS(t, d, app) {
			if strings.HasPrefix(p.Name, "web.") && p.MemoryBytes != nil && *p.MemoryBytes > 0 {
				n++
			}
		}
		return n == 3
	})

	// Destroyed: its services, its add-on's container and its network go.
	d.mustPaasctl("", "apps:destroy", app, "--confirm", app)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	services, err := m.Client.ServiceList(ctx, swarm.ServiceListOptions{})
	if err != nil || len(services) != 0 {
		t.Errorf("after apps:destroy the swarm has services %v (%v)", services, err)
	}
	nets, err := m.Client.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("label", "paas.app="+app))})
	if err != nil || len(nets) != 0 {
		t.Errorf("after apps:destroy the app's networks are left: %v (%v)", nets, err)
	}
}

// clockOutput is what the clock process wrote, as the manager has it.
func clockOutput(t *testing.T, m *swarmtest.Node) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tasks, err := m.Client.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("desired-state", "running"))})
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if task.Spec.ContainerSpec == nil || task.Spec.ContainerSpec.Labels["paas.type"] != "clock" {
			continue
		}
		rc, err := m.Client.TaskLogs(ctx, task.ID, container.LogsOptions{ShowStdout: true})
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var out strings.Builder
		if _, err := stdcopy.StdCopy(&out, io.Discard, rc); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	return ""
}

func swarmPS(t *testing.T, d *daemon, app string) []swarmProcess {
	t.Helper()
	out := d.mustPaasctl("", "ps", "-a", app, "--json")
	var procs []swarmProcess
	if err := json.Unmarshal([]byte(out), &procs); err != nil {
		t.Fatalf("ps --json: %v\n%s", err, out)
	}
	return procs
}

// serviceVersions are the swarm's services with the version of each.
func serviceVersions(t *testing.T, m *swarmtest.Node) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	services, err := m.Client.ServiceList(ctx, swarm.ServiceListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range services {
		out = append(out, s.Spec.Name+"@"+strconv.FormatUint(s.Version.Index, 10))
	}
	slices.Sort(out)
	return out
}

func exitCode(err error, want int) bool {
	var exit *exec.ExitError
	return errors.As(err, &exit) && exit.ExitCode() == want
}
