package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/dockertest"
)

// TestAutoRollback: with auto-rollback on, a release whose web process
// listens and then keeps crashing is replaced by a rollback release on its
// own, which says why.
func TestAutoRollback(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	cleanupDocker(t, cli, d.daemonID())
	app, repo := procfileApp(t, d, base, webCmd)
	d.mustPaasctl(repo.dir, "apps:settings", "auto-rollback=on", "auto-rollback-window=90s")

	repo.write("index.html", "v2\n")
	// Listens (so the deploy goes live), then dies two seconds later, again and again.
	repo.write("Procfile", "web: httpd -p $PORT -h /www; sleep 2; exit 1\n")
	repo.commit("crashes")
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	waitFor(t, 60*time.Second, "the auto-rollback release", func() bool {
		rels := d.releases(app)
		return len(rels) == 3 && rels[0].Current
	})
	rels := d.releases(app)
	if !strings.HasPrefix(rels[0].Description, "Rollback to v1 (auto: v2 web.1 restarted") {
		t.Fatalf("auto-rollback release: %+v", rels[0])
	}
	assertServes(t, d, app, "v1\n")
	if logs := d.mustPaasctl(repo.dir, "logs", "-n", "500", "-s", "paas"); !strings.Contains(logs, "Auto-rollback: v2 is crash-looping") {
		t.Fatalf("logs lack the auto-rollback line:\n%s", logs)
	}
}

func TestDetachedRunAndMemoryLimit(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	cleanupDocker(t, cli, d.daemonID())
	app, repo := procfileApp(t, d, base, webCmd)

	out := d.mustPaasctl(repo.dir, "run", "--detach", "echo detached-output-$PAAS_PROCESS")
	if !strings.Contains(out, "run.1") {
		t.Fatalf("run --detach printed:\n%s", out)
	}
	waitFor(t, 20*time.Second, "the detached run's output in the log stream", func() bool {
		logs := d.mustPaasctl(repo.dir, "logs", "-n", "500", "-p", "run.1")
		return strings.Contains(logs, "app[run.1]: detached-output-run.1")
	})

	d.mustPaasctl(repo.dir, "ps:limit", "web=256m")
	waitFor(t, 20*time.Second, "web.1 restarted with 256 MiB", func() bool {
		info, err := cli.ContainerInspect(context.Background(), containerOf(t, app, "web.1"))
		return err == nil && info.HostConfig.Memory == 256<<20
	})
	d.mustPaasctl(repo.dir, "ps:limit", "web=pids=128,cpu=512")
	waitFor(t, 20*time.Second, "web.1 restarted with 128 PIDs and 512 CPU shares, on the app's network", func() bool {
		info, err := cli.ContainerInspect(context.Background(), containerOf(t, app, "web.1"))
		return err == nil && info.HostConfig.Memory == 256<<20 && info.HostConfig.PidsLimit != nil && *info.HostConfig.PidsLimit == 128 &&
			info.HostConfig.CPUShares == 512 && string(info.HostConfig.NetworkMode) == "paas-"+d.daemonID()+"-"+app
	})
	if out := d.mustPaasctl(repo.dir, "ps:limit"); !regexp.MustCompile(`web +256m +128 +512`).MatchString(out) {
		t.Fatalf("ps:limit:\n%s", out)
	}
	assertServes(t, d, app, "v1\n")
}
