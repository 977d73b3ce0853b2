package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	heroku "github.com/heroku/heroku-go/v6"

	"github.com/paas-dev/paas/internal/dockertest"
)

// herokuClient is Heroku's own Go client pointed at d, as a Terraform
// provider or a script would be.
func (d *daemon) herokuClient() *heroku.Service {
	svc := heroku.NewService(&http.Client{Transport: &heroku.Transport{BearerToken: d.token}, Timeout: time.Minute})
	svc.URL = d.apiURL
	return svc
}

// heroku-go drives apps on a real paasd: create, find by id, maintenance
// mode through the real router, delete.
func TestHerokuGoDrivesApps(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	h := d.herokuClient()
	ctx := context.Background()

	acct, err := h.AccountInfo(ctx)
	if err != nil || acct.Email != "admin@localhost" || acct.ID == "" {
		t.Fatalf("AccountInfo = %+v, %v", acct, err)
	}
	name := "e2e-" + dockertest.RandomSuffix()
	app, err := h.AppCreate(ctx, heroku.AppCreateOpts{Name: &name})
	if err != nil || app.Name != name || app.Owner.ID != acct.ID {
		t.Fatalf("AppCreate = %+v, %v", app, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		d.stop()
		removeContainers(t, filters.NewArgs(filters.Arg("label", "paas.app="+name)))
		for _, img := range appImages(t, cli, name) {
			_, _ = cli.ImageRemove(ctx, img, image.RemoveOptions{Force: true, PruneChildren: true})
		}
	})

	repo := newAppRepo(t, d, base)
	repo.write("index.html", "served\n")
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", name)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	assertServes(t, d, name, "served\n")

	info, err := h.AppInfo(ctx, app.ID)
	if err != nil || info.Name != name || info.ReleasedAt == nil || info.UpdatedAt.Before(info.CreatedAt) {
		t.Fatalf("AppInfo by id after a deploy = %+v, %v", info, err)
	}

	on, off := true, false
	if a, err := h.AppUpdate(ctx, app.ID, heroku.AppUpdateOpts{Maintenance: &on}); err != nil || !a.Maintenance {
		t.Fatalf("maintenance on = %+v, %v", a, err)
	}
	code, body, err := d.get(name, "/")
	if err != nil || code != http.StatusServiceUnavailable || !strings.Contains(body, "H80") {
		t.Fatalf("GET in maintenance mode: %d %q %v, want 503 H80", code, body, err)
	}
	if a, err := h.AppUpdate(ctx, name, heroku.AppUpdateOpts{Maintenance: &off}); err != nil || a.Maintenance {
		t.Fatalf("maintenance off = %+v, %v", a, err)
	}
	assertServes(t, d, name, "served\n")

	// Maintenance mode outlives a paasd restart.
	if _, err := h.AppUpdate(ctx, name, heroku.AppUpdateOpts{Maintenance: &on}); err != nil {
		t.Fatal(err)
	}
	d.stop()
	d2 := startDaemon(t, daemonOptions{dataDir: d.dataDir})
	if code, _, err := d2.get(name, "/"); err != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("GET after a restart in maintenance mode: %d %v, want 503", code, err)
	}

	gone, err := d2.herokuClient().AppDelete(ctx, app.ID)
	if err != nil || gone.Name != name {
		t.Fatalf("AppDelete = %+v, %v", gone, err)
	}
	var herr heroku.Error
	if _, err := d2.herokuClient().AppInfo(ctx, name); !errors.As(err, &herr) || herr.StatusCode != http.StatusNotFound {
		t.Fatalf("AppInfo after delete: %v, want 404", err)
	}
}
