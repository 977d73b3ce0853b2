package runner

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"

	"github.com/paas-dev/paas/internal/dockertest"
	"github.com/paas-dev/paas/internal/releases"
)

// Each app is on a network of its own: its processes reach each other, other
// apps' only through the router, which reaches them all.
func TestDockerAppsAreIsolatedFromEachOther(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	rt := &fakeRoutes{ev: &events{}}
	r := env.runner(t, rt, 30*time.Second)
	a, b := "app-"+dockertest.RandomSuffix(), "app-"+dockertest.RandomSuffix()
	relA, relB := env.release(a, 1, httpdWeb("a")), env.release(b, 1, httpdWeb("b"))
	for _, rel := range []releases.Release{relA, relB} {
		if err := r.Deploy(ctx, webOnly(rel), io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	if get(t, rt, a, "/") != "a\n" || get(t, rt, b, "/") != "b\n" {
		t.Fatal("the router does not reach both apps")
	}
	addrOf := func(app string) string {
		cs, err := env.backend.List(ctx, map[string]string{LabelApp: app, LabelDaemon: env.daemonID})
		if err != nil || len(cs) != 1 || cs[0].ContainerAddr == "" {
			t.Fatalf("%s's containers: %+v, %v", app, cs, err)
		}
		return cs[0].ContainerAddr
	}
	// From a one-off of app a: its own web process answers, b's does not.
	reach := func(addr string) string {
		var out strings.Builder
		host, port, _ := net.SplitHostPort(addr)
		// nc, not wget: the static busybox's wget crashes on name look-ups.
		cmd := `printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 ` + host + " " + port + " | tail -n 1 | grep . || echo unreachable"
		if _, err := r.RunOneOff(ctx, OneOff{Release: relA, Type: "run", Command: cmd, Stdout: &out, Stderr: io.Discard}); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	if got := reach(addrOf(a)); got != "a" {
		t.Errorf("a's one-off got %q from a's own web process, want a", got)
	}
	if got := reach(addrOf(b)); got != "unreachable" {
		t.Errorf("a's one-off got %q from b's web process: apps must reach each other only through the router", got)
	}

	if err := r.StopApp(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := env.cli.NetworkInspect(ctx, r.network(a), network.InspectOptions{}); !cerrdefs.IsNotFound(err) {
		t.Errorf("a's network after StopApp: %v, want it removed", err)
	}
}

func TestDockerPIDsAndCPUShares(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	r := env.runner(t, &fakeRoutes{ev: &events{}}, 30*time.Second)
	app := "app-" + dockertest.RandomSuffix()
	rel := env.release(app, 1, httpdWeb("v1"))
	rel.Processes["worker"] = "exec sleep 600"
	spec := Spec{Release: rel, Formation: map[string]int{"web": 1, "worker": 1},
		PIDs: map[string]int64{"worker": 64}, CPUShares: map[string]int64{"worker": 256}}
	if err := r.Deploy(ctx, spec, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{"web": {DefaultPIDs, DefaultCPUShares}, "worker": {64, 256}}
	cs, err := env.backend.List(ctx, map[string]string{LabelApp: app, LabelDaemon: env.daemonID})
	if err != nil || len(cs) != 2 {
		t.Fatalf("containers: %+v, %v", cs, err)
	}
	for _, c := range cs {
		resp, err := env.cli.ContainerInspect(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		typ := c.Labels[LabelType]
		got := [2]int64{0, resp.HostConfig.CPUShares}
		if resp.HostConfig.PidsLimit != nil {
			got[0] = *resp.HostConfig.PidsLimit
		}
		if got != want[typ] {
			t.Errorf("%s: pids limit and CPU shares %v, want %v", typ, got, want[typ])
		}
	}
	// Forty processes do not fit under a limit of twenty: the shell cannot
	// fork, as a fork bomb could not, and the machine keeps its PIDs.
	var out strings.Builder
	res, err := r.RunOneOff(ctx, OneOff{Release: rel, Type: "run", PIDs: 20, Stdout: &out, Stderr: &out,
		Command: "for i in $(seq 40); do sleep 5 & done; echo all forked"})
	if err != nil || res.ExitCode == 0 || strings.Contains(out.String(), "all forked") {
		t.Errorf("40 processes under a limit of 20: %+v, %v: %q", res, err, out.String())
	}
}
