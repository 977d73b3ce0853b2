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

func TestFormationAndScale(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, _ := newTestServer(t, fake)
	c.SetActor("ada@laptop via paasctl")
	ctx := context.Background()

	f, err := c.Formation(ctx, "hello")
	if err != nil || !maps.Equal(f, api.Formation{"web": 1, "worker": 0}) {
		t.Fatalf("formation = %v, %v", f, err)
	}
	f, err = c.Scale(ctx, "hello", api.Formation{"worker": 2})
	if err != nil {
		t.Fatalf("scale: %v", err)
	}
	if !maps.Equal(f, api.Formation{"web": 1, "worker": 2}) {
		t.Errorf("scale answered %v, want the whole formation", f)
	}
	if got := fake.LastOf("Scale"); !maps.Equal(got.Formation, api.Formation{"worker": 2}) || got.Actor != "ada@laptop via paasctl" {
		t.Errorf("platform got %v by %q", got.Formation, got.Actor)
	}
	if _, err := c.Scale(ctx, "hello", api.Formation{"web": 0}); err != nil {
		t.Errorf("scale web=0: %v", err)
	}
	entries, err := c.FormationEntries(ctx, "hello")
	if err != nil || len(entries) != 2 || entries[0].Type != "web" || entries[0].Size != "512m" || entries[0].ID == "" || entries[0].App.Name != "hello" {
		t.Errorf("formation entries = %+v, %v", entries, err)
	}
}

func TestScaleUnknownTypeOrApp(t *testing.T) {
	c, _ := newTestServer(t, apiservertest.NewPlatform("hello"))
	_, err := c.Scale(context.Background(), "hello", api.Formation{"clock": 1})
	if e, ok := err.(*api.Error); !ok || e.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e.Message, `"clock"`) {
		t.Errorf("scale clock=1: %v, want 400 naming the type", err)
	}
	if _, err := c.Formation(context.Background(), "nope"); !api.IsNotFound(err) {
		t.Errorf("formation of nope: %v, want not found", err)
	}
}

// Heroku's quantities: a number, a string, or a change; sizes by Heroku's
// names or paas's, onto the memory limit.
func TestFormationUpdates(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	patch := func(path, body string) (*http.Response, []api.FormationEntry) {
		t.Helper()
		resp := send(t, srv, http.MethodPatch, path, body)
		var out []api.FormationEntry
		if strings.HasSuffix(path, "/formation") && resp.StatusCode == http.StatusOK {
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
		}
		return resp, out
	}
	resp, out := patch("/apps/hello/formation", `{"updates": [{"type": "web", "quantity": "3"}, {"type": "worker", "quantity": "+2", "size": "standard-2X"}]}`)
	if resp.StatusCode != http.StatusOK || len(out) != 2 || out[0].Quantity != 3 || out[1].Quantity != 2 || out[1].Size != "1g" {
		t.Fatalf("batch: %d %+v", resp.StatusCode, out)
	}
	if got := fake.LastOf("SetLimits").Limits; !maps.Equal(got, api.Limits{"worker": "1g"}) {
		t.Errorf("the platform got limits %v, want worker 1g", got)
	}
	resp, _ = patch("/apps/hello/formation/web", `{"quantity": "-1"}`)
	var one api.FormationEntry
	if err := json.NewDecoder(resp.Body).Decode(&one); err != nil || resp.StatusCode != http.StatusOK || one.Quantity != 2 || one.Type != "web" {
		t.Fatalf("PATCH web -1: %d %+v %v", resp.StatusCode, one, err)
	}
	resp, _ = patch("/apps/hello/formation/"+one.ID, `{"dyno_size": {"name": "512m"}}`)
	if err := json.NewDecoder(resp.Body).Decode(&one); err != nil || resp.StatusCode != http.StatusOK || one.Size != "512m" {
		t.Fatalf("PATCH by id with dyno_size: %d %+v %v", resp.StatusCode, one, err)
	}
	get := send(t, srv, http.MethodGet, "/apps/hello/formation/worker", "")
	if err := json.NewDecoder(get.Body).Decode(&one); err != nil || one.Quantity != 2 {
		t.Errorf("GET worker: %+v %v", one, err)
	}
}

func TestFormationRejectsBadBodies(t *testing.T) {
	tests := []struct {
		name, path, body, want string
	}{
		{"no updates", "/apps/hello/formation", `{}`, `"updates" is missing or empty`},
		{"null", "/apps/hello/formation", `null`, `"updates" is missing or empty`},
		{"array", "/apps/hello/formation", `[1]`, "JSON array, not an object"},
		{"negative", "/apps/hello/formation", `{"updates": [{"type": "web", "quantity": -1}]}`, `the quantity of "web" would be -1`},
		{"too many", "/apps/hello/formation", `{"updates": [{"type": "web", "quantity": 101}]}`, `would be 101`},
		{"below zero", "/apps/hello/formation", `{"updates": [{"type": "web", "quantity": "-2"}]}`, `would be -1`},
		{"fraction", "/apps/hello/formation", `{"updates": [{"type": "web", "quantity": 1.5}]}`, `quantity 1.5`},
		{"word", "/apps/hello/formation", `{"updates": [{"type": "web", "quantity": "many"}]}`, `quantity "many"`},
		{"bad type", "/apps/hello/formation", `{"updates": [{"type": "web.1", "quantity": 2}]}`, `"web.1" is not a process type`},
		{"unknown type", "/apps/hello/formation", `{"updates": [{"type": "clock", "quantity": 2}]}`, `no process type "clock"`},
		{"nothing", "/apps/hello/formation", `{"updates": [{"type": "web"}]}`, "changes nothing"},
		{"bad size", "/apps/hello/formation/web", `{"size": "huge"}`, `size "huge"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPatch, tt.path, tt.body)
			e := decodeError(t, resp)
			if !isRefusal(resp.StatusCode, e.ID) {
				t.Fatalf("got %d %q %q, want 400 invalid", resp.StatusCode, e.ID, e.Message)
			}
			if !strings.Contains(e.Message, tt.want) {
				t.Errorf("message = %q, want it to contain %q", e.Message, tt.want)
			}
			if n := len(fake.CallsTo("Scale")) + len(fake.CallsTo("SetLimits")); n != 0 {
				t.Errorf("the platform was asked to change the formation %d times", n)
			}
		})
	}
}
