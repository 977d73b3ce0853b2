package apiserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	heroku "github.com/heroku/heroku-go/v6"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
)

// herokuClient is Heroku's own Go client, pointed at srv with the token.
func herokuClient(srvURL string) *heroku.Service {
	svc := heroku.NewService(&http.Client{Transport: &heroku.Transport{BearerToken: testToken}})
	svc.URL = srvURL
	return svc
}

// heroku-go, as the Terraform provider and scripts use it, drives apps and
// the account.
func TestHerokuGoApps(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	h := herokuClient(srv.URL)
	ctx := context.Background()

	acct, err := h.AccountInfo(ctx)
	if err != nil || acct.Email != apiservertest.TheAccount.Email || acct.ID != apiservertest.TheAccount.ID {
		t.Fatalf("AccountInfo = %+v, %v", acct, err)
	}

	name := "fresh"
	app, err := h.AppCreate(ctx, heroku.AppCreateOpts{Name: &name})
	if err != nil || app.Name != "fresh" || app.ID == "" || app.CreatedAt.IsZero() || app.UpdatedAt.IsZero() {
		t.Fatalf("AppCreate = %+v, %v", app, err)
	}
	if app.Owner.Email != acct.Email || app.Region.Name != "local" || app.Stack.Name != "container" || app.WebURL == nil || app.GitURL == "" {
		t.Errorf("created app lacks owner, region, stack or URLs: %+v", app)
	}
	generated, err := h.AppCreate(ctx, heroku.AppCreateOpts{})
	if err != nil || generated.Name == "" {
		t.Fatalf("AppCreate without a name = %+v, %v", generated, err)
	}

	list, err := h.AppList(ctx, &heroku.ListRange{Field: "name", Max: 1000})
	if err != nil || len(list) != 3 {
		t.Fatalf("AppList = %d apps, %v", len(list), err)
	}

	byID, err := h.AppInfo(ctx, app.ID)
	if err != nil || byID.Name != "fresh" {
		t.Fatalf("AppInfo by id = %+v, %v", byID, err)
	}

	on := true
	updated, err := h.AppUpdate(ctx, app.ID, heroku.AppUpdateOpts{Maintenance: &on})
	if err != nil || !updated.Maintenance {
		t.Fatalf("AppUpdate maintenance = %+v, %v", updated, err)
	}
	if got := fake.Last(); got.Method != "UpdateApp" || got.App != "fresh" || got.Update.Maintenance == nil || !*got.Update.Maintenance {
		t.Errorf("the platform got %+v, want maintenance on for fresh (the id resolved to the name)", got)
	}

	renamed := "renamed"
	updated, err = h.AppUpdate(ctx, app.ID, heroku.AppUpdateOpts{Name: &renamed})
	if err != nil || updated.Name != "renamed" || updated.ID != app.ID {
		t.Fatalf("AppUpdate name = %+v, %v", updated, err)
	}
	taken := "hello"
	_, err = h.AppUpdate(ctx, "renamed", heroku.AppUpdateOpts{Name: &taken})
	var herr heroku.Error
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusConflict || herr.ID != api.IDConflict {
		t.Fatalf("rename to a name taken: %#v, want a 409 conflict", err)
	}
	bad := "Bad_Name"
	_, err = h.AppUpdate(ctx, "renamed", heroku.AppUpdateOpts{Name: &bad})
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(herr.Error(), "lowercase") {
		t.Fatalf("rename to an invalid name: %#v, want a 422 saying what a name may hold", err)
	}

	deleted, err := h.AppDelete(ctx, "renamed")
	if err != nil || deleted.ID != app.ID {
		t.Fatalf("AppDelete = %+v, %v", deleted, err)
	}
	_, err = h.AppInfo(ctx, "renamed")
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusNotFound || herr.ID != api.IDNotFound {
		t.Fatalf("AppInfo after delete: %#v, want a 404 not_found", err)
	}
}

// What every response shares: Request-Id, JSON errors everywhere, the API
// version checked, lists cut by Range.
func TestPlatformAPIConventions(t *testing.T) {
	fake := apiservertest.NewPlatform("app-a", "app-b", "app-c", "app-d", "app-e")
	_, srv := newTestServer(t, fake)

	get := func(path string, header map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	resp := get("/apps", map[string]string{"Request-Id": "abc-123", "Accept": api.AcceptVersion3})
	if resp.Header.Get("Request-Id") != "abc-123" || resp.StatusCode != http.StatusOK {
		t.Errorf("Request-Id not echoed: %d %v", resp.StatusCode, resp.Header)
	}
	for _, path := range []string{"/nothing-here", "/apps/hello/nothing", "/v1/nothing"} {
		resp := get(path, nil)
		e := decodeError(t, resp)
		if resp.StatusCode != http.StatusNotFound || e.ID != api.IDNotFound || resp.Header.Get("Request-Id") == "" {
			t.Errorf("GET %s: %d %+v, want a JSON 404 with a Request-Id", path, resp.StatusCode, e)
		}
	}
	resp = get("/apps", map[string]string{"Accept": "application/vnd.heroku+json; version=2"})
	if resp.StatusCode != http.StatusNotAcceptable {
		t.Errorf("version 2: %d, want 406", resp.StatusCode)
	}

	resp = get("/apps", map[string]string{"Range": "name ..; max=2"})
	if resp.StatusCode != http.StatusPartialContent || !strings.HasPrefix(resp.Header.Get("Next-Range"), "name ]app-b..") {
		t.Fatalf("Range max=2: %d, Next-Range %q", resp.StatusCode, resp.Header.Get("Next-Range"))
	}
	resp = get("/apps", map[string]string{"Range": resp.Header.Get("Next-Range")})
	if resp.StatusCode != http.StatusPartialContent || !strings.HasPrefix(resp.Header.Get("Next-Range"), "name ]app-d..") {
		t.Fatalf("second page: %d, Next-Range %q", resp.StatusCode, resp.Header.Get("Next-Range"))
	}
	resp = get("/apps", map[string]string{"Range": resp.Header.Get("Next-Range")})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Next-Range") != "" {
		t.Fatalf("last page: %d, Next-Range %q", resp.StatusCode, resp.Header.Get("Next-Range"))
	}
	resp = get("/apps", map[string]string{"Range": "size ..; max=2"})
	if e := decodeError(t, resp); resp.StatusCode != http.StatusBadRequest || e.ID != "bad_request" {
		t.Errorf("an unknown Range field: %d %+v", resp.StatusCode, e)
	}
}

// heroku-go drives config vars and releases: a PATCH per release, the
// release list cut and followed, info by id and by version, rollback.
func TestHerokuGoConfigAndReleases(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	h := herokuClient(srv.URL)
	ctx := context.Background()

	for i, kv := range []map[string]*string{
		{"FOO": heroku.String("1")},
		{"FOO": heroku.String("2"), "BAR": heroku.String("b")},
		{"BAR": nil},
	} {
		vars, err := h.ConfigVarUpdate(ctx, "hello", kv)
		if err != nil {
			t.Fatalf("ConfigVarUpdate %d: %v", i, err)
		}
		if i == 2 && (len(vars) != 1 || vars["FOO"] == nil || *vars["FOO"] != "2") {
			t.Errorf("after unsetting BAR: %v", vars)
		}
	}
	info, err := h.ConfigVarInfoForApp(ctx, "hello")
	if err != nil || len(info) != 1 || *info["FOO"] != "2" {
		t.Fatalf("ConfigVarInfoForApp = %v, %v", info, err)
	}

	var all []heroku.Release
	lr := &heroku.ListRange{Field: "version", Max: 2}
	page, err := h.ReleaseList(ctx, "hello", lr)
	if err != nil || len(page) != 2 || page[0].Version != 1 {
		t.Fatalf("ReleaseList max 2 = %+v, %v", page, err)
	}
	all = append(all, page...)
	lr.FirstID = "]" + "2"
	page, err = h.ReleaseList(ctx, "hello", lr)
	if err != nil || len(page) != 1 || page[0].Version != 3 || !page[0].Current {
		t.Fatalf("ReleaseList from ]2 = %+v, %v", page, err)
	}
	all = append(all, page...)

	byID, err := h.ReleaseInfo(ctx, "hello", all[0].ID)
	if err != nil || byID.Version != 1 || byID.App.Name != "hello" {
		t.Fatalf("ReleaseInfo by id = %+v, %v", byID, err)
	}
	old, err := h.ConfigVarInfoForAppRelease(ctx, "hello", all[1].ID)
	if err != nil || *old["BAR"] != "b" {
		t.Fatalf("ConfigVarInfoForAppRelease v2 = %v, %v", old, err)
	}
	rolled, err := h.ReleaseRollback(ctx, "hello", heroku.ReleaseRollbackOpts{Release: all[0].ID})
	if err != nil || rolled.Version != 4 || rolled.Description != "Rollback to v1" {
		t.Fatalf("ReleaseRollback = %+v, %v", rolled, err)
	}
	if v, err := h.ReleaseInfo(ctx, "hello", "4"); err != nil || !v.Current {
		t.Errorf("ReleaseInfo by version = %+v, %v", v, err)
	}
}

// heroku-go drives the formation: a batch with Heroku's sizes, one type.
func TestHerokuGoFormation(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	h := herokuClient(srv.URL)
	ctx := context.Background()

	list, err := h.FormationList(ctx, "hello", nil)
	if err != nil || len(list) != 2 || list[0].Type != "web" || list[0].Quantity != 1 {
		t.Fatalf("FormationList = %+v, %v", list, err)
	}
	three, size := 3, "standard-2X"
	var batch heroku.FormationBatchUpdateOpts
	batch.Updates = append(batch.Updates, struct {
		DynoSize *struct {
			ID   *string `json:"id,omitempty" url:"id,omitempty,key"`
			Name *string `json:"name,omitempty" url:"name,omitempty,key"`
		} `json:"dyno_size,omitempty" url:"dyno_size,omitempty,key"`
		Quantity *int   `json:"quantity,omitempty" url:"quantity,omitempty,key"`
		Type     string `json:"type" url:"type,key"`
	}{Quantity: &three, Type: "worker", DynoSize: &struct {
		ID   *string `json:"id,omitempty" url:"id,omitempty,key"`
		Name *string `json:"name,omitempty" url:"name,omitempty,key"`
	}{Name: &size}})
	updated, err := h.FormationBatchUpdate(ctx, "hello", batch)
	if err != nil || len(updated) != 1 || updated[0].Quantity != 3 || updated[0].Size != "1g" {
		t.Fatalf("FormationBatchUpdate = %+v, %v", updated, err)
	}
	zero := 0
	web, err := h.FormationUpdate(ctx, "hello", "web", heroku.FormationUpdateOpts{Quantity: &zero})
	if err != nil || web.Quantity != 0 {
		t.Fatalf("FormationUpdate = %+v, %v", web, err)
	}
	info, err := h.FormationInfo(ctx, "hello", list[1].ID)
	if err != nil || info.Type != "worker" || info.Quantity != 3 {
		t.Fatalf("FormationInfo by id = %+v, %v", info, err)
	}
}

// heroku-go drives dynos: list, info, a detached one-off, restarts.
func TestHerokuGoDynos(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	h := herokuClient(srv.URL)
	ctx := context.Background()

	list, err := h.DynoList(ctx, "hello", nil)
	if err != nil || len(list) != 1 || list[0].Name != "web.1" || list[0].State != "up" || list[0].App.Name != "hello" {
		t.Fatalf("DynoList = %+v, %v", list, err)
	}
	info, err := h.DynoInfo(ctx, "hello", list[0].ID)
	if err != nil || info.Name != "web.1" {
		t.Fatalf("DynoInfo by id = %+v, %v", info, err)
	}
	attach := false
	created, err := h.DynoCreate(ctx, "hello", heroku.DynoCreateOpts{Command: "rake cleanup", Attach: &attach})
	if err != nil || created.Name != "run.1" {
		t.Fatalf("DynoCreate = %+v, %v", created, err)
	}
	if _, err := h.DynoRestartAll(ctx, "hello"); err != nil {
		t.Fatalf("DynoRestartAll: %v", err)
	}
	if _, err := h.DynoRestartFormation(ctx, "hello", "web"); err != nil {
		t.Fatalf("DynoRestartFormation: %v", err)
	}
	if got := fake.LastOf("Restart"); got.ProcessType != "web" {
		t.Errorf("the platform got %+v", got)
	}
}

// heroku-go drives domains: create (sni_endpoint null), list, info, delete.
func TestHerokuGoDomains(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform("hello"))
	h := herokuClient(srv.URL)
	ctx := context.Background()

	d, err := h.DomainCreate(ctx, "hello", heroku.DomainCreateOpts{Hostname: "www.example.com"})
	if err != nil || d.Hostname != "www.example.com" || d.Kind != "custom" || d.CName == nil || *d.CName != "hello.localhost" {
		t.Fatalf("DomainCreate = %+v, %v", d, err)
	}
	list, err := h.DomainList(ctx, "hello", nil)
	if err != nil || len(list) != 2 {
		t.Fatalf("DomainList = %+v, %v", list, err)
	}
	if info, err := h.DomainInfo(ctx, "hello", d.ID); err != nil || info.Hostname != "www.example.com" {
		t.Fatalf("DomainInfo by id = %+v, %v", info, err)
	}
	if gone, err := h.DomainDelete(ctx, "hello", "www.example.com"); err != nil || gone.ID != d.ID {
		t.Fatalf("DomainDelete = %+v, %v", gone, err)
	}
}

// heroku-go drives log drains: create, list, info, delete.
func TestHerokuGoLogDrains(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := mux.NewRouter()
	p := apiservertest.NewPlatform("hello")
	Register(r, p, logger)
	RegisterDrains(r, newFakeDrains("hello"), p, logger)
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	t.Cleanup(srv.Close)
	h := herokuClient(srv.URL)
	ctx := context.Background()

	d, err := h.LogDrainCreate(ctx, "hello", heroku.LogDrainCreateOpts{URL: "syslog+tls://logs.example.com:6514"})
	if err != nil || d.URL != "syslog+tls://logs.example.com:6514" || d.Token == "" || d.App == nil || d.App.Name != "hello" {
		t.Fatalf("LogDrainCreate = %+v, %v", d, err)
	}
	list, err := h.LogDrainList(ctx, "hello", nil)
	if err != nil || len(list) != 1 || list[0].ID != d.ID {
		t.Fatalf("LogDrainList = %+v, %v", list, err)
	}
	if info, err := h.LogDrainInfo(ctx, "hello", d.Token); err != nil || info.ID != d.ID {
		t.Fatalf("LogDrainInfo by token = %+v, %v", info, err)
	}
	if gone, err := h.LogDrainDelete(ctx, "hello", d.ID); err != nil || gone.URL != d.URL {
		t.Fatalf("LogDrainDelete = %+v, %v", gone, err)
	}
}

// heroku-go drives builds from a source blob: create (201, pending), info,
// list, and the output URL, read without the token.
func TestHerokuGoBuilds(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	h := herokuClient(srv.URL)
	ctx := context.Background()

	var opts heroku.BuildCreateOpts
	opts.SourceBlob.URL = heroku.String("https://example.com/app.tar.gz")
	opts.SourceBlob.Version = heroku.String("v1.2")
	b, err := h.BuildCreate(ctx, "hello", opts)
	if err != nil || b.Status != "pending" || !strings.HasPrefix(b.OutputStreamURL, srv.URL+api.BuildOutputPath) || b.SourceBlob.URL != "https://example.com/app.tar.gz" {
		t.Fatalf("BuildCreate = %+v, %v", b, err)
	}
	if got := fake.LastOf("CreateBuild").Source; got.Version == nil || *got.Version != "v1.2" {
		t.Errorf("the platform got %+v", got)
	}
	if info, err := h.BuildInfo(ctx, "hello", b.ID); err != nil || info.ID != b.ID {
		t.Fatalf("BuildInfo = %+v, %v", info, err)
	}
	if list, err := h.BuildList(ctx, "hello", nil); err != nil || len(list) != 1 {
		t.Fatalf("BuildList = %+v, %v", list, err)
	}
	// The test server checks the token everywhere: the output's URL is
	// opened with it here, and paasd's own guard lets it through without.
	req, _ := http.NewRequest(http.MethodGet, b.OutputStreamURL, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "built\n" {
		t.Errorf("the output: %d %q", resp.StatusCode, body)
	}
	for body, want := range map[string]int{
		`{}`:                                  http.StatusUnprocessableEntity,
		`{"source_blob": {"url": "ftp://x"}}`: http.StatusUnprocessableEntity,
		`{"source_blob": "x"}`:                http.StatusBadRequest,
	} {
		if resp := send(t, srv, http.MethodPost, "/apps/hello/builds", body); resp.StatusCode != want {
			t.Errorf("POST builds %s: %d, want %d", body, resp.StatusCode, want)
		}
	}
}

// heroku-go restarts and stops one dyno.
func TestHerokuGoOneDyno(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	h := herokuClient(srv.URL)
	ctx := context.Background()
	if _, err := h.DynoRestart(ctx, "hello", "web.1"); err != nil {
		t.Fatalf("DynoRestart: %v", err)
	}
	list, err := h.DynoList(ctx, "hello", nil)
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	if _, err := h.DynoStop(ctx, "hello", list[0].ID); err != nil {
		t.Fatalf("DynoStop by id: %v", err)
	}
	if got := fake.LastOf("StopProcess"); got.ProcessType != "web.1" {
		t.Errorf("the platform got %+v", got)
	}
	var herr heroku.Error
	if _, err := h.DynoRestart(ctx, "hello", "clock.1"); !errors.As(err, &herr) || herr.StatusCode != http.StatusNotFound {
		t.Errorf("DynoRestart clock.1: %v, want 404", err)
	}
}
