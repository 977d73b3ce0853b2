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
)

func TestProcesses(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, srv := newTestServer(t, fake)
	ctx := context.Background()

	if _, err := c.Scale(ctx, "hello", api.Formation{"web": 2, "worker": 1}); err != nil {
		t.Fatal(err)
	}
	procs, err := c.Processes(ctx, "hello")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range procs {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "web.1,web.2,worker.1" || procs[0].Type != "web" || procs[0].Command != "./web" {
		t.Errorf("processes = %+v", procs)
	}

	resp := send(t, srv, http.MethodGet, "/apps/hello/dynos", "")
	var raw []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"id", "app", "name", "type", "state", "release", "size", "attach_url", "created_at", "updated_at", "started_at", "restarts", "command"} {
		if _, ok := raw[0][field]; !ok {
			t.Errorf("process lacks %q: %v", field, raw[0])
		}
	}
}

func TestProcessesNoneIsEmptyList(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, srv := newTestServer(t, fake)
	if _, err := c.Scale(context.Background(), "hello", api.Formation{"web": 0}); err != nil {
		t.Fatal(err)
	}
	resp := send(t, srv, http.MethodGet, "/apps/hello/dynos", "")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("got %d %s, want 200 []", resp.StatusCode, b)
	}
}

func TestRestart(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, srv := newTestServer(t, fake)
	ctx := context.Background()

	procs, err := c.Restart(ctx, "hello", "web")
	if err != nil {
		t.Fatal(err)
	}
	lastRestart := func() apiservertest.Call {
		calls := fake.CallsTo("Restart")
		if len(calls) == 0 {
			t.Fatal("the platform got no Restart")
		}
		return calls[len(calls)-1]
	}
	if got := lastRestart(); got.ProcessType != "web" {
		t.Errorf("platform got %+v", got)
	}
	if len(procs) != 1 || procs[0].Name != "web.1" {
		t.Errorf("restart answered %+v, want the processes", procs)
	}
	if _, err := c.Restart(ctx, "hello", ""); err != nil || lastRestart().ProcessType != "" {
		t.Errorf("restart all: %v, platform got %q", err, lastRestart().ProcessType)
	}
	for _, path := range []string{"/apps/hello/dynos", "/apps/hello/formations/worker"} {
		resp := send(t, srv, http.MethodDelete, path, "")
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != "{}" {
			t.Errorf("DELETE %s: %d %s, want 200 {}", path, resp.StatusCode, b)
		}
	}
	if got := lastRestart(); got.ProcessType != "worker" {
		t.Errorf("DELETE formations/worker: the platform got %+v", got)
	}

	_, err = c.Restart(ctx, "hello", "clock")
	if e, ok := err.(*api.Error); !ok || e.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e.Message, `"clock"`) {
		t.Errorf("restart clock: %v, want 400 from the platform", err)
	}
	if _, err := c.Restart(ctx, "nope", ""); !api.IsNotFound(err) {
		t.Errorf("restart nope: %v, want not found", err)
	}
}

func TestDynoInfoAndCreate(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	var p api.Process
	resp := send(t, srv, http.MethodGet, "/apps/hello/dynos/web.1", "")
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.Name != "web.1" || p.ID == "" {
		t.Fatalf("GET web.1: %d %+v %v", resp.StatusCode, p, err)
	}
	resp = send(t, srv, http.MethodGet, "/apps/hello/dynos/"+p.ID, "")
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.Name != "web.1" {
		t.Fatalf("GET by id: %d %+v %v", resp.StatusCode, p, err)
	}
	if resp := send(t, srv, http.MethodGet, "/apps/hello/dynos/web.9", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET web.9: %d, want 404", resp.StatusCode)
	}

	resp = send(t, srv, http.MethodPost, "/apps/hello/dynos", `{"command": "rake cleanup", "attach": false, "time_to_live": 600}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST dynos: %d %+v", resp.StatusCode, decodeError(t, resp))
	}
	if got := fake.LastOf("Run").Run; got != (api.RunRequest{Command: "rake cleanup"}) {
		t.Errorf("the platform ran %+v", got)
	}
	for body, want := range map[string]string{
		`{}`:                                  `"command" is missing`,
		`{"command": "x", "attach": true}`:    "run protocol",
		`{"command": "x", "env": {"A": "1"}}`: `"env" is not supported`,
		`{"command": "x", "size": "2X"}`:      `"size" is not supported`,
	} {
		resp := send(t, srv, http.MethodPost, "/apps/hello/dynos", body)
		if e := decodeError(t, resp); !isRefusal(resp.StatusCode, e.ID) || !strings.Contains(e.Message, want) {
			t.Errorf("POST dynos %s: %d %q, want 400 with %q", body, resp.StatusCode, e.Message, want)
		}
	}
	if resp := send(t, srv, http.MethodDelete, "/apps/hello/formations/web.1", ""); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("DELETE formations/web.1: %d, want 400", resp.StatusCode)
	}
}
