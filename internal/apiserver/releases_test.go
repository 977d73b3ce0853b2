package apiserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/releases"
)

// newLedger makes hello with three releases, v3 current.
func newLedger(t *testing.T) *apiservertest.Platform {
	t.Helper()
	fake := apiservertest.NewPlatform("hello")
	fake.AddRelease("hello", api.Release{Description: "Deploy 1a2b3c4", CreatedBy: "ada@laptop via paasctl"})
	fake.SetConfig("hello", api.ConfigVars{"FOO": "bar"})
	fake.AddRelease("hello", api.Release{Description: "Set FOO config var", CreatedBy: "api"})
	fake.AddRelease("hello", api.Release{Description: "Deploy 5d6e7f8", CreatedBy: "ada@laptop via paasctl"})
	return fake
}

func TestReleasesNewestFirst(t *testing.T) {
	c, _ := newTestServer(t, newLedger(t))
	rels, err := c.Releases(context.Background(), "hello")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range rels {
		got = append(got, r.Version)
	}
	if len(got) != 3 || got[0] != 3 || got[2] != 1 || !rels[0].Current || rels[1].Current {
		t.Errorf("versions %v, releases %+v", got, rels)
	}
}

func TestReleasesOfNewAppIsEmptyList(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform("hello"))
	resp := send(t, srv, http.MethodGet, "/apps/hello/releases", "")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("got %d %s, want 200 []", resp.StatusCode, b)
	}
}

func TestReleaseVersionForms(t *testing.T) {
	tests := []struct {
		path    string
		version int // 0: refused with 400
	}{
		{"3", 3},
		{"v3", 3},
		{"v1", 1},
		{"03", 3},
		{"v", 0},
		{"0", 0},
		{"v0", 0},
		{"-1", 0},
		{"+3", 0},
		{"V3", 0},
		{"3.0", 0},
		{"vv3", 0},
		{"three", 0},
		{"1234567890", 0},
		{"%20v3", 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			fake := newLedger(t)
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodGet, "/apps/hello/releases/"+tt.path, "")
			if tt.version == 0 {
				e := decodeError(t, resp)
				if resp.StatusCode != http.StatusBadRequest || e.ID != api.IDBadRequest || !strings.Contains(e.Message, "give it as v3 or 3") && !strings.Contains(e.Message, "versions start at v1") {
					t.Fatalf("got %d %+v, want 400 with the expected form", resp.StatusCode, e)
				}
				if fake.Called() != 0 {
					t.Error("platform was called")
				}
				return
			}
			var rel api.Release
			if err := json.NewDecoder(resp.Body).Decode(&rel); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d, %v", resp.StatusCode, err)
			}
			if s := fake.Last(); s.Method != "Release" || s.Version != tt.version || rel.Version != tt.version {
				t.Errorf("platform saw %+v, answer v%d; want Release v%d", s, rel.Version, tt.version)
			}
		})
	}
}

func TestReleaseNotFound(t *testing.T) {
	c, _ := newTestServer(t, newLedger(t))
	if _, err := c.Release(context.Background(), "hello", 9); !api.IsNotFound(err) {
		t.Fatalf("err = %v, want not_found", err)
	}
}

func TestVerifyAndDiffAreNotVersions(t *testing.T) {
	tests := []struct {
		path, method string
	}{
		{"/apps/hello/releases/verify", "VerifyReleases"},
		{"/apps/hello/releases/diff?from=1&to=v3", "DiffReleases"},
		{"/apps/hello/releases/v2", "Release"},
		{"/apps/hello/releases", "Releases"},
	}
	for _, tt := range tests {
		fake := newLedger(t)
		_, srv := newTestServer(t, fake)
		if resp := send(t, srv, http.MethodGet, tt.path, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", tt.path, resp.StatusCode)
		}
		if got := fake.Last().Method; got != tt.method {
			t.Errorf("GET %s reached %s, want %s", tt.path, got, tt.method)
		}
	}
}

func TestVerifyReleases(t *testing.T) {
	fake := newLedger(t)
	c, srv := newTestServer(t, fake)
	v, err := c.VerifyReleases(context.Background(), "hello")
	if err != nil || !v.OK || v.Checked != 3 || v.App != "hello" {
		t.Fatalf("verify = %+v, %v", v, err)
	}

	fake.Verification = &api.Verification{App: "hello", Checked: 2, FirstBad: 2, Problem: "digest does not match"}
	resp := send(t, srv, http.MethodGet, "/apps/hello/releases/verify", "")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a broken chain answered %d, want 200: %s", resp.StatusCode, b)
	}
	want := `{"app":"hello","ok":false,"checked":2,"first_bad":2,"problem":"digest does not match"}`
	if strings.TrimSpace(string(b)) != want {
		t.Errorf("body %s, want %s", b, want)
	}
}

func TestDiffReleases(t *testing.T) {
	fake := newLedger(t)
	c, srv := newTestServer(t, fake)
	d, err := c.DiffReleases(context.Background(), "hello", 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if s := fake.Last(); s.From != 1 || s.To != 3 || d.From != 1 || d.To != 3 || d.CommitTo != "5d6e7f8" {
		t.Errorf("platform saw %+v, diff %+v", s, d)
	}

	resp := send(t, srv, http.MethodGet, "/apps/hello/releases/diff?from=v1&to=v2", "")
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`"config_added":["NEW"]`, `"config_removed":[]`, `"processes_changed":[]`, `"commit_from":"1a2b3c4"`, `"image_to":""`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("diff body lacks %s: %s", want, b)
		}
	}
}

func TestDiffReleasesQueryErrors(t *testing.T) {
	tests := []struct {
		query, want string
	}{
		{"", `the query parameter "from" is missing`},
		{"?from=1", `the query parameter "to" is missing`},
		{"?to=1", `the query parameter "from" is missing`},
		{"?from=1&to=", `the query parameter "to" is missing`},
		{"?from=first&to=2", `query parameter "from": "first" is not a release version: give it as v3 or 3`},
		{"?from=1&to=v0", `query parameter "to": "v0" is not a release version: versions start at v1`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			fake := newLedger(t)
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodGet, "/apps/hello/releases/diff"+tt.query, "")
			e := decodeError(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, "/apps/hello/releases/diff?from=v1&to=v3") {
				t.Errorf("got %d %q, want 400 with %q and an example", resp.StatusCode, e.Message, tt.want)
			}
			if fake.Called() != 0 {
				t.Error("platform was called")
			}
		})
	}
}

func TestRollback(t *testing.T) {
	tests := []struct {
		body    string
		version int // what the platform sees
		desc    string
	}{
		{``, 0, "Rollback to v2"},
		{`{}`, 0, "Rollback to v2"},
		{`{"release": "1"}`, 1, "Rollback to v1"},
		{`{"release": "v1"}`, 1, "Rollback to v1"},
		{`{"release": "` + releases.ChildID(apiservertest.App("hello").ID, releases.KindRelease, "1") + `"}`, 1, "Rollback to v1"},
		{`{"release": "1", "description": "Heroku's clients may send one"}`, 1, "Rollback to v1"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			fake := newLedger(t)
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPost, "/apps/hello/releases", tt.body)
			var rel api.Release
			if err := json.NewDecoder(resp.Body).Decode(&rel); err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("got %d, %v; want 201", resp.StatusCode, err)
			}
			if s := fake.LastOf("Rollback"); s.Version != tt.version || s.Actor != api.DefaultActor {
				t.Errorf("platform saw %+v, want Rollback(%d) by %s", s, tt.version, api.DefaultActor)
			}
			if rel.Version != 4 || rel.Description != tt.desc {
				t.Errorf("release %+v", rel)
			}
			if loc := resp.Header.Get("Location"); loc != "/apps/hello/releases/4" {
				t.Errorf("Location = %q", loc)
			}
		})
	}
}

func TestRollbackClient(t *testing.T) {
	fake := newLedger(t)
	c, _ := newTestServer(t, fake)
	rel, err := c.Rollback(context.Background(), "hello", 0)
	if err != nil || rel.Description != "Rollback to v2" || fake.LastOf("Rollback").Version != 0 {
		t.Fatalf("rollback = %+v, %v; platform saw %+v", rel, err, fake.Last())
	}
	if _, err := c.Rollback(context.Background(), "hello", 9); !api.IsNotFound(err) {
		t.Errorf("rollback to v9: %v, want not_found", err)
	}
}

func TestRollbackRejectsBadBodies(t *testing.T) {
	tests := []struct {
		name, body, want string
		status           int
	}{
		{"number", `{"release": 2}`, `field "release" must be a string, not a JSON number`, http.StatusBadRequest},
		{"not a version", `{"release": "two"}`, `"two" is not a release version`, http.StatusBadRequest},
		{"zero", `{"release": "v0"}`, "versions start at v1", http.StatusBadRequest},
		{"array", `[2]`, "JSON array, not an object", http.StatusBadRequest},
		{"slug", `{"slug": "0b5c9d8e-1111-4222-8333-444455556666"}`, "a release of a slug is not made on paas", http.StatusUnprocessableEntity},
		{"unknown id", `{"release": "0b5c9d8e-1111-4222-8333-444455556666"}`, "not found", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newLedger(t)
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPost, "/apps/hello/releases", tt.body)
			e := decodeError(t, resp)
			if resp.StatusCode != tt.status || !strings.Contains(e.Message, tt.want) {
				t.Errorf("got %d %q, want %d with %q", resp.StatusCode, e.Message, tt.status, tt.want)
			}
			if len(fake.CallsTo("Rollback")) != 0 {
				t.Error("the platform was asked to roll back")
			}
		})
	}
}
