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

	resp := send(t, srv, http.MethodGet, "/v1/apps/hello/processes", "")
	var raw []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"name", "type", "state", "release", "started_at", "restarts", "command"} {
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
	resp := send(t, srv, http.MethodGet, "/v1/apps/hello/processes", "")
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
	resp := send(t, srv, http.MethodPost, "/v1/apps/hello/processes/restart", `{}`)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("POST {}: %d", resp.StatusCode)
	}

	_, err = c.Restart(ctx, "hello", "clock")
	if e, ok := err.(*api.Error); !ok || e.StatusCode != http.StatusBadRequest || !strings.Contains(e.Message, `"clock"`) {
		t.Errorf("restart clock: %v, want 400 from the platform", err)
	}
	if _, err := c.Restart(ctx, "nope", ""); !api.IsNotFound(err) {
		t.Errorf("restart nope: %v, want not found", err)
	}
}

func TestRestartRejectsBadBodies(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty body", ``, "the request body is empty"},
		{"unknown field", `{"types": ["web"]}`, `unknown field "types"`},
		{"bad type", `{"type": "web.1"}`, `"web.1" is not a process type`},
		{"wrong type", `{"type": 1}`, `field "type" must be a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPost, "/v1/apps/hello/processes/restart", tt.body)
			e := decodeError(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, restartExample) {
				t.Fatalf("got %d %q, want 400 with %q and the example", resp.StatusCode, e.Message, tt.want)
			}
			if n := fake.Called(); n != 0 {
				t.Errorf("platform called %d times, want 0", n)
			}
		})
	}
}
