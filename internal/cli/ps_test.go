package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

// stopClock makes ps measure uptimes from now.
func stopClock(t *testing.T, now time.Time) {
	t.Helper()
	old := timeNow
	timeNow = func() time.Time { return now }
	t.Cleanup(func() { timeNow = old })
}

func TestPs(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 3, 0, 0, time.UTC)
	stopClock(t, now)
	fake := apiservertest.NewPlatform("hello")
	cpu, mem := 1.25, uint64(35<<20)
	fake.ProcessList = []api.Process{
		{Name: "worker.1", Type: "worker", State: "starting", Release: api.ReleaseRef{Version: 3}, StartedAt: now.Add(-20 * time.Second), Command: "./worker"},
		{Name: "web.10", Type: "web", State: "up", Release: api.ReleaseRef{Version: 3}, StartedAt: now.Add(-26 * time.Hour), Command: "npm start",
			Size: "512m", CPUPercent: &cpu, MemoryBytes: &mem, Node: "node2"},
		{Name: "run.1", Type: "run", State: "up", Release: api.ReleaseRef{Version: 3}, StartedAt: now.Add(-90 * time.Second), Command: "bash"},
		{Name: "web.2", Type: "web", State: "crashed", Release: api.ReleaseRef{Version: 2}, StartedAt: now.Add(-2 * time.Hour), Restarts: 1, Command: "npm start"},
		{Name: "clock.1", State: "up", Release: api.ReleaseRef{Version: 3}, StartedAt: now.Add(-3 * time.Minute)},
		{Name: "worker.2", Type: "worker", State: "crashed", Release: api.ReleaseRef{Version: 3}, Restarts: 3, Command: "./worker", Node: "node1"},
	}
	startDaemon(t, fake)

	out := paasctl(t, "", "ps", "-a", "hello").mustSucceed(t)
	want := `=== web (2)
web.2: crashed 2026/11/26 07:03:00 (~ 2h ago), v2, 1 restart: npm start
web.10: up 2026/11/25 07:03:00 (~ 1d ago) on node2, v3, 0 restarts, 1.2% CPU, 35.0 MiB of 512m: npm start

=== clock (1)
clock.1: up 2026/11/26 09:00:00 (~ 3m ago), v3, 0 restarts

=== worker (2)
worker.1: starting 2026/11/26 09:02:40 (~ 20s ago), v3, 0 restarts: ./worker
worker.2: crashed on node1, v3, 3 restarts: ./worker

=== run (1)
run.1: up 2026/11/26 09:01:30 (~ 1m ago), v3, 0 restarts: bash
`
	if out != want {
		t.Errorf("ps printed\n%s\nwant\n%s", out, want)
	}

	var procs []api.Process
	out = paasctl(t, "", "ps", "-a", "hello", "--json").mustSucceed(t)
	if err := json.Unmarshal([]byte(out), &procs); err != nil || len(procs) != 6 || procs[3].Restarts != 1 || procs[4].Command != "./worker" {
		t.Errorf("ps --json = %+v, %v", procs, err)
	}
	nodes := map[string]string{}
	for _, p := range procs {
		nodes[p.Name] = p.Node
	}
	if nodes["web.10"] != "node2" || nodes["worker.2"] != "node1" || nodes["web.2"] != "" {
		t.Errorf("ps --json nodes = %v, want web.10 on node2, worker.2 on node1, the others on none", nodes)
	}
	if n := strings.Count(out, `"node"`); n != 2 {
		t.Errorf("ps --json has %d node fields, want 2 (none for a process on one engine):\n%s", n, out)
	}
}

func TestPsEmptyAndErrors(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	fake.ProcessList = []api.Process{} // nothing deployed yet
	startDaemon(t, fake)
	if out := paasctl(t, "", "ps", "-a", "hello").mustSucceed(t); out != "hello has no processes: deploy it with git push paas main, or start some with paasctl scale web=1\n" {
		t.Errorf("ps of an idle app: %q", out)
	}
	if out := paasctl(t, "", "ps", "-a", "hello", "--json").mustSucceed(t); out != "[]\n" {
		t.Errorf("ps --json of an idle app: %q, want []", out)
	}
	paasctl(t, "", "ps", "-a", "nope").mustFail(t, "not found", "paasctl apps")
	paasctl(t, "", "ps").mustFail(t, "no app specified")
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:     "~ 0s ago",
		0:                "~ 0s ago",
		59 * time.Second: "~ 59s ago",
		time.Minute:      "~ 1m ago",
		59 * time.Minute: "~ 59m ago",
		time.Hour:        "~ 1h ago",
		47 * time.Hour:   "~ 1d ago",
		72 * time.Hour:   "~ 3d ago",
	} {
		if got := ago(d); got != want {
			t.Errorf("ago(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestScale(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	if out := paasctl(t, "", "scale", "-a", "hello").mustSucceed(t); out != "web=1 worker=0\n" {
		t.Errorf("scale with no arguments: %q", out)
	}
	out := paasctl(t, "", "scale", "web=3", "worker=2", "-a", "hello").mustSucceed(t)
	if out != "Scaling hello processes... done, now running web at 3, worker at 2\n" {
		t.Errorf("scale printed %q", out)
	}
	out = paasctl(t, "", "ps:scale", "worker=0", "-a", "hello").mustSucceed(t)
	if out != "Scaling hello processes... done, now running web at 3, worker at 0\n" {
		t.Errorf("ps:scale printed %q", out)
	}
	scales, _, _, _, _ := asked(fake)
	if len(scales) != 2 || !maps.Equal(scales[0], api.Formation{"web": 3, "worker": 2}) || !maps.Equal(scales[1], api.Formation{"worker": 0}) {
		t.Errorf("platform got %v", scales)
	}
	var f api.Formation
	if err := json.Unmarshal([]byte(paasctl(t, "", "scale", "-a", "hello", "--json").mustSucceed(t)), &f); err != nil || !maps.Equal(f, api.Formation{"web": 3, "worker": 0}) {
		t.Errorf("scale --json = %v, %v", f, err)
	}
}

func TestScaleErrors(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	paasctl(t, "", "scale", "web", "-a", "hello").mustFail(t, `expected TYPE=COUNT, as in web=3, got "web"`)
	paasctl(t, "", "scale", "web=many", "-a", "hello").mustFail(t, "web=many: the count must be a whole number from 0 to 100")
	paasctl(t, "", "scale", "web=-1", "-a", "hello").mustFail(t, "from 0 to 100")
	paasctl(t, "", "scale", "web=101", "-a", "hello").mustFail(t, "from 0 to 100")
	paasctl(t, "", "scale", "web.1=2", "-a", "hello").mustFail(t, `"web.1" is not a process type`)
	paasctl(t, "", "scale", "web=1", "--json", "-a", "hello").mustFail(t, "--json prints the formation")
	if scales, _, _, _, _ := asked(fake); len(scales) != 0 {
		t.Errorf("the platform was asked to scale: %v", scales)
	}

	r := paasctl(t, "", "scale", "clock=1", "-a", "hello")
	r.mustFail(t, `no process type "clock"; its types are web, worker`)
	if r.stdout != "Scaling hello processes... failed\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
	paasctl(t, "", "scale", "web=1", "-a", "nope").mustFail(t, "not found", "paasctl apps")
}

func TestPsRestart(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	if out := paasctl(t, "", "ps:restart", "-a", "hello").mustSucceed(t); out != "Restarting all processes of hello... done\n" {
		t.Errorf("ps:restart printed %q", out)
	}
	if out := paasctl(t, "", "ps:restart", "web", "-a", "hello").mustSucceed(t); out != "Restarting web processes of hello... done\n" {
		t.Errorf("ps:restart web printed %q", out)
	}
	paasctl(t, "", "ps:restart", "clock", "-a", "hello").mustFail(t, `no process type "clock"`)
	paasctl(t, "", "ps:restart", "web.1", "-a", "hello").mustFail(t, `"web.1" is not a process type`)
	paasctl(t, "", "ps:restart", "web", "worker", "-a", "hello").mustFail(t, "too many arguments")
	if _, restarts, _, _, _ := asked(fake); fmt.Sprint(restarts) != "[ web clock]" {
		t.Errorf("platform got restarts %q", restarts)
	}
}

func TestPsLimit(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	want := "=== hello Limits\n" +
		"TYPE    MEMORY  PIDS  CPU SHARES\n" +
		"web     512m    -     -\n" +
		"worker  512m    -     -\n" +
		"run     512m    -     -\n"
	if out := paasctl(t, "", "ps:limit", "-a", "hello").mustSucceed(t); out != want {
		t.Errorf("ps:limit printed\n%s\nwant\n%s", out, want)
	}
	out := paasctl(t, "", "ps:limit", "web=1g", "worker=256M,pids=64,cpu=512", "-a", "hello").mustSucceed(t)
	want = "Setting limits of hello... done\n=== hello Limits\n" +
		"TYPE    MEMORY  PIDS  CPU SHARES\n" +
		"web     1g      -     -\n" +
		"worker  256m    64    512\n" +
		"run     512m    -     -\n"
	if out != want {
		t.Errorf("ps:limit web=1g printed\n%s\nwant\n%s", out, want)
	}
	var l api.Limits
	if err := json.Unmarshal([]byte(paasctl(t, "", "ps:limit", "-a", "hello", "--json").mustSucceed(t)), &l); err != nil || l["web"] != "1g" {
		t.Errorf("ps:limit --json = %v, %v", l, err)
	}

	paasctl(t, "", "ps:limit", "web=1m", "-a", "hello").mustFail(t, `web=1m: memory size "1m" is too small: the least is 6m`)
	paasctl(t, "", "ps:limit", "web=lots", "-a", "hello").mustFail(t, "is not a memory size")
	paasctl(t, "", "ps:limit", "web", "-a", "hello").mustFail(t, "expected TYPE=LIMITS")
	paasctl(t, "", "ps:limit", "web=pids=4", "-a", "hello").mustFail(t, "pids=4: give a whole number from 16 to 65536")
	paasctl(t, "", "ps:limit", "clock=1g", "-a", "hello").mustFail(t, `no process type "clock"`)
	if _, _, limits, _, _ := asked(fake); len(limits) != 2 {
		t.Errorf("platform got %v, want the valid change and the unknown type", limits)
	}
}

func TestAppsSettings(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	want := `=== hello Settings
auto-rollback:        off
auto-rollback-window: 2m0s
boot-timeout:         1m0s
builder:              auto
health-path:          none (a TCP check of the port)
hsts:                 off
https-redirect:       off
stop-timeout:         30s
`
	if out := paasctl(t, "", "apps:settings", "-a", "hello").mustSucceed(t); out != want {
		t.Errorf("apps:settings printed\n%s\nwant\n%s", out, want)
	}
	out := paasctl(t, "", "apps:settings", "auto-rollback=on", "health-path=/health", "boot-timeout=90s", "-a", "hello").mustSucceed(t)
	want = `Updating settings of hello... done
=== hello Settings
auto-rollback:        on
auto-rollback-window: 2m0s
boot-timeout:         90s
builder:              auto
health-path:          /health
hsts:                 off
https-redirect:       off
stop-timeout:         30s
`
	if out != want {
		t.Errorf("apps:settings KEY=VALUE printed\n%s\nwant\n%s", out, want)
	}
	paasctl(t, "", "apps:settings", "health-path=", "-a", "hello").mustSucceed(t)
	_, _, _, changes, _ := asked(fake)
	if len(changes) != 2 || !maps.Equal(changes[1], api.SettingsUpdate{"health-path": ""}) {
		t.Errorf("platform got %v", changes)
	}
	var st api.Settings
	if err := json.Unmarshal([]byte(paasctl(t, "", "apps:settings", "-a", "hello", "--json").mustSucceed(t)), &st); err != nil || !st.AutoRollback || st.HealthPath != "" {
		t.Errorf("apps:settings --json = %+v, %v", st, err)
	}

	paasctl(t, "", "apps:settings", "auto-rollback", "-a", "hello").mustFail(t, "expected KEY=VALUE")
	paasctl(t, "", "apps:settings", "auto-rollback=maybe", "-a", "hello").mustFail(t, `auto-rollback="maybe": use on or off`)
	paasctl(t, "", "apps:settings", "colour=blue", "-a", "hello").mustFail(t, `unknown setting "colour"`)
}
