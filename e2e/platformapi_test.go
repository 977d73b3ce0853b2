package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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

// heroku-go drives the rest of an app's life on a real paasd: config vars,
// releases and a rollback, the formation, dynos, a domain, a log session
// that returns lines, and a log drain.
func TestHerokuGoDrivesAnApp(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{env: []string{"PAAS_DRAIN_ALLOW_PRIVATE=1"}})
	app := d.createApp(cli)
	h := d.herokuClient()
	ctx := context.Background()

	repo := newAppRepo(t, d, base)
	repo.write("index.html", "v1\n")
	repo.write("Procfile", "web: env > /www/env.txt; exec httpd -f -p $PORT -h /www\nworker: exec sleep 3600\n")
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	assertServes(t, d, app, "v1\n")

	vars, err := h.ConfigVarUpdate(ctx, app, map[string]*string{"GREETING": heroku.String("hi")})
	if err != nil || vars["GREETING"] == nil || *vars["GREETING"] != "hi" {
		t.Fatalf("ConfigVarUpdate = %v, %v", vars, err)
	}
	assertProcessEnv(t, d, app, "GREETING=hi")

	rels, err := h.ReleaseList(ctx, app, &heroku.ListRange{Field: "version", Max: 10, Descending: true})
	if err != nil || len(rels) != 2 || rels[0].Version != 2 || !rels[0].Current || rels[1].Slug == nil {
		t.Fatalf("ReleaseList = %+v, %v", rels, err)
	}
	back, err := h.ReleaseRollback(ctx, app, heroku.ReleaseRollbackOpts{Release: rels[1].ID})
	if err != nil || back.Version != 3 || !back.Current {
		t.Fatalf("ReleaseRollback = %+v, %v", back, err)
	}
	if cv, err := h.ConfigVarInfoForApp(ctx, app); err != nil || len(cv) != 0 {
		t.Errorf("config after rolling back to v1: %v, %v", cv, err)
	}

	one := 1
	worker, err := h.FormationUpdate(ctx, app, "worker", heroku.FormationUpdateOpts{Quantity: &one})
	if err != nil || worker.Quantity != 1 || worker.Command != "exec sleep 3600" {
		t.Fatalf("FormationUpdate worker=1 = %+v, %v", worker, err)
	}
	dynos, err := h.DynoList(ctx, app, nil)
	if err != nil || len(dynos) != 2 {
		t.Fatalf("DynoList = %+v, %v", dynos, err)
	}
	if _, err := h.DynoRestartFormation(ctx, app, "worker"); err != nil {
		t.Fatalf("DynoRestartFormation: %v", err)
	}
	web, err := h.DynoInfo(ctx, app, "web.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.DynoRestart(ctx, app, "web.1"); err != nil {
		t.Fatalf("DynoRestart web.1: %v", err)
	}
	if again, err := h.DynoInfo(ctx, app, "web.1"); err != nil || again.ID == web.ID {
		t.Errorf("web.1 after its restart: %+v, %v; want a new process", again, err)
	}
	assertServes(t, d, app, "v1\n")
	attach := false
	oneOff, err := h.DynoCreate(ctx, app, heroku.DynoCreateOpts{Command: "exec sleep 300", Attach: &attach})
	if err != nil {
		t.Fatalf("DynoCreate: %v", err)
	}
	if _, err := h.DynoStop(ctx, app, oneOff.Name); err != nil {
		t.Fatalf("DynoStop %s: %v", oneOff.Name, err)
	}
	waitFor(t, 30*time.Second, "the stopped one-off to end", func() bool {
		dy, err := h.DynoInfo(ctx, app, oneOff.Name)
		return err != nil || dy.State != "up"
	})

	dom, err := h.DomainCreate(ctx, app, heroku.DomainCreateOpts{Hostname: "www." + app + ".example"})
	if err != nil || dom.Kind != "custom" {
		t.Fatalf("DomainCreate = %+v, %v", dom, err)
	}
	req, _ := http.NewRequest("GET", "http://"+d.routerAddr+"/", nil)
	req.Host = "www." + app + ".example"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET through the custom domain: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	lines := 100
	tail := false
	sess, err := h.LogSessionCreate(ctx, app, heroku.LogSessionCreateOpts{Lines: &lines, Tail: &tail})
	if err != nil || !strings.HasPrefix(sess.LogplexURL, d.apiURL+"/log-sessions/") {
		t.Fatalf("LogSessionCreate = %+v, %v", sess, err)
	}
	resp, err := http.Get(sess.LogplexURL) // no token: the URL is the credential
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Release v3 created") {
		t.Fatalf("the log session: %d\n%s", resp.StatusCode, body)
	}

	drain, err := h.LogDrainCreate(ctx, app, heroku.LogDrainCreateOpts{URL: "syslog+tcp://127.0.0.1:1"})
	if err != nil || drain.Token == "" {
		t.Fatalf("LogDrainCreate = %+v, %v", drain, err)
	}

	// A rename keeps everything but the name: the app's id, releases,
	// formation, custom domain, log history and drain; its processes run
	// again under the new host, its repository takes pushes under the new
	// remote, and the old host is unknown.
	before, err := h.AppInfo(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	renamed := app + "-b"
	d.cleanUpApp(cli, renamed)
	after, err := h.AppUpdate(ctx, app, heroku.AppUpdateOpts{Name: &renamed})
	if err != nil || after.ID != before.ID || after.Name != renamed || after.WebURL == nil || !strings.Contains(*after.WebURL, renamed) {
		t.Fatalf("AppUpdate name = %+v, %v", after, err)
	}
	assertServes(t, d, renamed, "v1\n")
	if code, _, err := d.get(app, "/"); err != nil || code != http.StatusNotFound {
		t.Errorf("GET the old host: %d %v, want 404", code, err)
	}
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET through the custom domain after the rename: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if rels, err := h.ReleaseList(ctx, before.ID, nil); err != nil || len(rels) != 3 || rels[2].App.Name != renamed {
		t.Errorf("ReleaseList by id after the rename = %+v, %v", rels, err)
	}
	if dynos, err := h.DynoList(ctx, renamed, nil); err != nil || len(dynos) != 2 {
		t.Errorf("DynoList after the rename = %+v, %v; want web.1 and worker.1", dynos, err)
	}
	if drains, err := h.LogDrainList(ctx, renamed, nil); err != nil || len(drains) != 1 || drains[0].ID != drain.ID {
		t.Errorf("LogDrainList after the rename = %+v, %v", drains, err)
	}
	sess, err = h.LogSessionCreate(ctx, renamed, heroku.LogSessionCreateOpts{Lines: &lines, Tail: &tail})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = http.Get(sess.LogplexURL); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Release v3 created") || !strings.Contains(string(body), "Renamed from "+app+" to "+renamed) {
		t.Errorf("the log after the rename lacks the history or the rename:\n%s", body)
	}
	d.mustPaasctl(repo.dir, "git:remote", "-a", renamed)
	repo.write("index.html", "v2\n")
	repo.commit("v2")
	if out, err := repo.push(); err != nil {
		t.Fatalf("push to the renamed app: %v\n%s", err, out)
	}
	assertServes(t, d, renamed, "v2\n")

	if gone, err := h.LogDrainDelete(ctx, renamed, drain.ID); err != nil || gone.ID != drain.ID {
		t.Fatalf("LogDrainDelete = %+v, %v", gone, err)
	}
}

// heroku-go builds and releases a source blob on a real paasd, as a CI job
// without git would: a .tar.gz with a top directory (as GitHub's archives
// have), its checksum checked, the output read at its URL without the
// token; a wrong checksum fails the build and changes nothing.
func TestHerokuGoBuildsASourceBlob(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{env: []string{"PAAS_SOURCE_ALLOW_PRIVATE=1"}})
	app := d.createApp(cli)
	h := d.herokuClient()
	ctx := context.Background()

	var blob bytes.Buffer
	zw := gzip.NewWriter(&blob)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{
		"app-1a2b3c/Dockerfile": "FROM " + base + "\nCOPY index.html /www/index.html\nCMD [\"/bin/sh\", \"-c\", \"exec httpd -f -p $PORT -h /www\"]\n",
		"app-1a2b3c/index.html": "from a build\n",
	} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(blob.Bytes()) }))
	t.Cleanup(src.Close)
	sum := sha256.Sum256(blob.Bytes())

	var opts heroku.BuildCreateOpts
	opts.SourceBlob.URL = heroku.String(src.URL + "/app.tar.gz")
	opts.SourceBlob.Checksum = heroku.String("SHA256:" + hex.EncodeToString(sum[:]))
	opts.SourceBlob.Version = heroku.String("v1.0.0")
	b, err := h.BuildCreate(ctx, app, opts)
	if err != nil || b.Status != "pending" {
		t.Fatalf("BuildCreate = %+v, %v", b, err)
	}
	resp, err := http.Get(b.OutputStreamURL) // no token: the URL's secret is the credential
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body) // ends when the build does
	resp.Body.Close()
	if !strings.Contains(string(out), "succeeded") {
		t.Fatalf("the build's output:\n%s", out)
	}
	info, err := h.BuildInfo(ctx, app, b.ID)
	if err != nil || info.Status != "succeeded" || info.Release == nil {
		t.Fatalf("BuildInfo = %+v, %v", info, err)
	}
	assertServes(t, d, app, "from a build\n")

	opts.SourceBlob.Checksum = heroku.String("SHA256:" + strings.Repeat("0", 64))
	bad, err := h.BuildCreate(ctx, app, opts)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(bad.OutputStreamURL)
	if err != nil {
		t.Fatal(err)
	}
	out, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if info, err := h.BuildInfo(ctx, app, bad.ID); err != nil || info.Status != "failed" || !strings.Contains(string(out), "SHA256") {
		t.Fatalf("a wrong checksum: %+v, %v\n%s", info, err, out)
	}
	assertServes(t, d, app, "from a build\n")
	if rels, err := h.ReleaseList(ctx, app, nil); err != nil || len(rels) != 1 {
		t.Errorf("releases after a failed build: %d, %v", len(rels), err)
	}
}
