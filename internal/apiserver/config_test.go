package apiserver

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/releases"
)

func TestConfigSetAndUnset(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, _ := newTestServer(t, fake)
	ctx := context.Background()

	bar, empty := "bar", ""
	all, version, err := c.UpdateConfig(ctx, "hello", api.ConfigUpdate{"FOO": &bar, "EMPTY": &empty, "DB_URL": &bar})
	if err != nil {
		t.Fatalf("set: %v", err)
	}
	if version != 1 || !maps.Equal(all, api.ConfigVars{"FOO": "bar", "EMPTY": "", "DB_URL": "bar"}) {
		t.Errorf("set returned %v at v%d, want the whole config at v1", all, version)
	}
	vars, err := c.Config(ctx, "hello")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if len(vars) != 3 || vars["FOO"] != "bar" || vars["EMPTY"] != "" {
		t.Errorf("config = %v", vars)
	}

	all, version, err = c.UpdateConfig(ctx, "hello", api.ConfigUpdate{"FOO": nil})
	if err != nil {
		t.Fatalf("unset: %v", err)
	}
	if got := fake.LastOf("UpdateConfig").Changes; len(got) != 1 || got["FOO"] != nil {
		t.Errorf("platform got %v, want FOO: nil", got)
	}
	if version != 2 || !maps.Equal(all, api.ConfigVars{"EMPTY": "", "DB_URL": "bar"}) {
		t.Errorf("unset returned %v at v%d", all, version)
	}

	// A release keeps the config it was made with; by version or by id.
	old, err := c.ReleaseConfig(ctx, "hello", 1)
	if err != nil || old["FOO"] != "bar" {
		t.Errorf("v1's config = %v, %v", old, err)
	}
	rels, err := c.Releases(ctx, "hello")
	if err != nil || len(rels) != 2 {
		t.Fatalf("releases = %v, %v", rels, err)
	}
	_, srv := newTestServer(t, fake)
	for _, ident := range []string{"v1", "1", rels[1].ID} {
		resp := send(t, srv, http.MethodGet, "/apps/hello/releases/"+ident+"/config-vars", "")
		var got api.ConfigVars
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK || got["FOO"] != "bar" {
			t.Errorf("GET release %s config-vars: %d %v %v", ident, resp.StatusCode, got, err)
		}
	}
	for ident, want := range map[string]int{"v9": http.StatusNotFound, "three": http.StatusBadRequest, "00000000-0000-4000-8000-000000000000": http.StatusNotFound} {
		if resp := send(t, srv, http.MethodGet, "/apps/hello/releases/"+ident+"/config-vars", ""); resp.StatusCode != want {
			t.Errorf("GET release %s config-vars: %d, want %d", ident, resp.StatusCode, want)
		}
	}
}

func TestConfigPatchDecodesNullAsUnset(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	fake.SetConfig("hello", api.ConfigVars{"OLD": "1"})
	_, srv := newTestServer(t, fake)
	resp := send(t, srv, http.MethodPatch, "/apps/hello/config-vars", `{"OLD": null, "NEW": "x=y", "BLANK": ""}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d: %+v", resp.StatusCode, decodeError(t, resp))
	}
	got := fake.LastOf("UpdateConfig").Changes
	if len(got) != 3 {
		t.Fatalf("platform got %d changes, want 3: %v", len(got), got)
	}
	if v, ok := got["OLD"]; !ok || v != nil {
		t.Errorf("OLD = %v (present %v), want a nil pointer", v, ok)
	}
	if v := got["NEW"]; v == nil || *v != "x=y" {
		t.Errorf("NEW = %v, want x=y", v)
	}
	if v := got["BLANK"]; v == nil || *v != "" {
		t.Errorf("BLANK = %v, want a pointer to the empty string", v)
	}
}

func TestConfigOfNewAppIsEmptyObject(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform("hello"))
	resp := send(t, srv, http.MethodGet, "/apps/hello/config-vars", "")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != "{}" {
		t.Fatalf("got %d %s, want 200 {}", resp.StatusCode, b)
	}
}

func TestConfigPatchRejectsBadBodies(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"empty object", `{}`, "nothing to change: give at least one KEY"},
		{"null", `null`, "nothing to change: give at least one KEY"},
		{"empty body", ``, "the request body is empty"},
		{"array", `["FOO=bar"]`, "the request body is a JSON array, not an object"},
		{"string", `"FOO=bar"`, "the request body is a JSON string, not an object"},
		{"number value", `{"FOO": "ok", "PORT": 5000}`, `the value of "PORT" is a JSON number: values must be strings or null`},
		{"bool value", `{"DEBUG": true}`, `the value of "DEBUG" is a JSON bool: values must be strings or null`},
		{"object value", `{"FOO": {"a": "b"}}`, `the value of "FOO" is a JSON object: values must be strings or null`},
		{"array value", `{"FOO": ["a"]}`, `the value of "FOO" is a JSON array: values must be strings or null`},
		{"trailing data", `{"FOO": "a"} {}`, "more data after the JSON object"},
		{"not JSON", `FOO=bar`, "not valid JSON"},
		{"2 MiB", `{"FOO": "` + strings.Repeat("a", 2<<20) + `"}`, "larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPatch, "/apps/hello/config-vars", tt.body)
			e := decodeError(t, resp)
			if !isRefusal(resp.StatusCode, e.ID) {
				t.Fatalf("got %d %q, want 400 invalid", resp.StatusCode, e.ID)
			}
			if !strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, `expected a JSON body like {"FOO": "bar", "OLD_KEY": null}`) {
				t.Errorf("message = %q, want it to contain %q and the example", e.Message, tt.want)
			}
			if n := fake.Called(); n != 0 {
				t.Errorf("platform called %d times, want 0", n)
			}
		})
	}
}

func TestConfigPatchPlatformRejectsKey(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform("hello"))
	resp := send(t, srv, http.MethodPatch, "/apps/hello/config-vars", `{"1BAD": "x"}`)
	if e := decodeError(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || e.ID != api.IDInvalid || !strings.Contains(e.Message, `"1BAD"`) {
		t.Fatalf("got %d %+v, want 400 naming the key", resp.StatusCode, e)
	}
}

// PATCH answers the release's whole config, as Heroku's does, and says in
// headers of paas's own which release it made; that release shows keys, never
// values.
func TestConfigPatchAnswersConfigAndRelease(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	fake.SetConfig("hello", api.ConfigVars{"KEEP": "k"})
	_, srv := newTestServer(t, fake)
	resp := send(t, srv, http.MethodPatch, "/apps/hello/config-vars", `{"FOO": "secret-value"}`)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var vars api.ConfigVars
	if err := json.Unmarshal(b, &vars); err != nil || !maps.Equal(vars, api.ConfigVars{"KEEP": "k", "FOO": "secret-value"}) {
		t.Fatalf("PATCH answered %s, want the whole config", b)
	}
	if resp.Header.Get(api.ReleaseVersionHeader) != "1" || !releases.IsUUID(resp.Header.Get(api.ReleaseIDHeader)) {
		t.Errorf("release headers: %v", resp.Header)
	}

	resp = send(t, srv, http.MethodGet, "/apps/hello/releases/1", "")
	b, _ = io.ReadAll(resp.Body)
	if strings.Contains(string(b), "secret-value") {
		t.Errorf("the release shows a config value: %s", b)
	}
	var rel map[string]any
	if err := json.Unmarshal(b, &rel); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"id", "version", "description", "created_by", "created_at", "status", "current", "build_id", "commit", "image", "config_keys", "process_types", "digest"} {
		if _, ok := rel[field]; !ok {
			t.Errorf("release lacks %q: %s", field, b)
		}
	}
}
