package apiserver

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestSettings(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, srv := newTestServer(t, fake)
	ctx := context.Background()

	st, err := c.Settings(ctx, "hello")
	if err != nil || st.AutoRollback || st.AutoRollbackWindow != "2m0s" {
		t.Fatalf("settings = %+v, %v", st, err)
	}
	u := api.SettingsUpdate{"auto-rollback": "on", "health-path": "/health"}
	st, err = c.UpdateSettings(ctx, "hello", u)
	if err != nil || !st.AutoRollback || st.HealthPath != "/health" {
		t.Fatalf("update = %+v, %v", st, err)
	}
	if got := fake.Last().Settings; !maps.Equal(got, u) {
		t.Errorf("platform got %v", got)
	}

	resp := send(t, srv, http.MethodGet, "/apps/hello/settings", "")
	var raw map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"auto_rollback", "auto_rollback_window", "health_path", "boot_timeout", "stop_timeout"} {
		if _, ok := raw[field]; !ok {
			t.Errorf("settings lack %q: %v", field, raw)
		}
	}

	_, err = c.UpdateSettings(ctx, "hello", api.SettingsUpdate{"colour": "blue"})
	if e, ok := err.(*api.Error); !ok || e.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e.Message, "colour") {
		t.Errorf("unknown setting: %v, want the platform's 400", err)
	}
}

func TestUpdateSettingsRejectsBadBodies(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", `{}`, "nothing to change: give at least one setting"},
		{"bool", `{"auto-rollback": true}`, `the value of "auto-rollback" is a JSON bool: settings are strings`},
		{"number", `{"boot-timeout": 90}`, `the value of "boot-timeout" is a JSON number`},
		{"snake case object", `[{"auto_rollback": true}]`, "JSON array, not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPatch, "/apps/hello/settings", tt.body)
			e := decodeError(t, resp)
			if !isRefusal(resp.StatusCode, e.ID) || !strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, settingsExample) {
				t.Fatalf("got %d %q, want 400 with %q and the example", resp.StatusCode, e.Message, tt.want)
			}
			if n := fake.Called(); n != 0 {
				t.Errorf("platform called %d times, want 0", n)
			}
		})
	}
}
