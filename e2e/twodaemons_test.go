package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"

	"github.com/paas-dev/paas/internal/dockertest"
)

// TestTwoDaemonsOnOneEngine: two paasd on one Docker Engine, each with an
// app of the same name deployed from the same commit. Destroying the app on
// one must leave the other's rollback image, which it then rolls back to.
func TestTwoDaemonsOnOneEngine(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	da, db := startDaemon(t, daemonOptions{}), startDaemon(t, daemonOptions{})
	app := "e2e-" + dockertest.RandomSuffix()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		da.stop()
		db.stop()
		removeContainers(t, filters.NewArgs(filters.Arg("label", "paas.app="+app)))
		for _, img := range appImages(t, cli, app) {
			_, _ = cli.ImageRemove(ctx, img, image.RemoveOptions{Force: true, PruneChildren: true})
		}
	})
	da.mustPaasctl("", "apps:create", app)
	db.mustPaasctl("", "apps:create", app)

	repoA := newAppRepo(t, da, base)
	repoA.write("index.html", "1\n")
	repoA.commit("v1")
	dirB := filepath.Join(t.TempDir(), "b")
	db.mustGit("", "clone", "-q", repoA.dir, dirB) // the same commit
	da.mustPaasctl(repoA.dir, "git:remote", "-a", app)
	db.mustPaasctl(dirB, "git:remote", "-a", app)
	if out, err := repoA.push(); err != nil {
		t.Fatalf("push to daemon A: %v\n%s", err, out)
	}
	if out, err := db.git(dirB, "push", "paas", "main"); err != nil {
		t.Fatalf("push to daemon B: %v\n%s", err, out)
	}
	repoA.write("index.html", "2\n")
	repoA.commit("v2")
	if out, err := repoA.push(); err != nil {
		t.Fatalf("second push to daemon A: %v\n%s", err, out)
	}
	assertServes(t, da, app, "2\n")

	db.mustPaasctl("", "apps:destroy", app, "--confirm", app)

	out, err := da.paasctl(repoA.dir, "rollback", "v1")
	if err != nil {
		t.Fatalf("rollback on daemon A after daemon B destroyed its app of the same name: %v\n%s", err, out)
	}
	if !strings.Contains(out, "v3") {
		t.Fatalf("rollback output:\n%s", out)
	}
	assertServes(t, da, app, "1\n")
}
