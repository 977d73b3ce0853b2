package apiserver

import (
	"context"
	"io"
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
	if got := fake.Last(); !maps.Equal(got.Formation, api.Formation{"worker": 2}) || got.Actor != "ada@laptop via paasctl" {
		t.Errorf("platform got %v by %q", got.Formation, got.Actor)
	}
	if _, err := c.Scale(ctx, "hello", api.Formation{"web": 0}); err != nil {
		t.Errorf("scale web=0: %v", err)
	}
}

func TestScaleUnknownTypeOrApp(t *testing.T) {
	c, _ := newTestServer(t, apiservertest.NewPlatform("hello"))
	_, err := c.Scale(context.Background(), "hello", api.Formation{"clock": 1})
	if e, ok := err.(*api.Error); !ok || e.StatusCode != http.StatusBadRequest || !strings.Contains(e.Message, `"clock"`) {
		t.Errorf("scale clock=1: %v, want 400 naming the type", err)
	}
	if _, err := c.Formation(context.Background(), "nope"); !api.IsNotFound(err) {
		t.Errorf("formation of nope: %v, want not found", err)
	}
}

func TestScaleRejectsBadBodies(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty object", `{}`, "nothing to scale"},
		{"null", `null`, "nothing to scale"},
		{"array", `[1]`, "JSON array, not an object"},
		{"negative", `{"web": -1}`, `the count of "web" is -1: counts are whole numbers from 0 to 100`},
		{"too many", `{"web": 101}`, `the count of "web" is 101`},
		{"fraction", `{"web": 1.5}`, `the count of "web" is 1.5`},
		{"string", `{"web": "3"}`, `the count of "web" is "3"`},
		{"null count", `{"web": null}`, `the count of "web" is null`},
		{"huge", `{"web": 99999999999999999999}`, `the count of "web" is 99999999999999999999`},
		{"bad type", `{"web.1": 2}`, `"web.1" is not a process type`},
		{"digit first", `{"1web": 2}`, `"1web" is not a process type`},
		{"long type", `{"` + strings.Repeat("w", 31) + `": 2}`, "is not a process type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPatch, "/v1/apps/hello/formation", tt.body)
			e := decodeError(t, resp)
			if resp.StatusCode != http.StatusBadRequest || e.ID != api.IDInvalid {
				t.Fatalf("got %d %q, want 400 invalid", resp.StatusCode, e.ID)
			}
			if !strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, scaleExample) {
				t.Errorf("message = %q, want it to contain %q and the example", e.Message, tt.want)
			}
			if n := fake.Called(); n != 0 {
				t.Errorf("platform called %d times, want 0", n)
			}
		})
	}
}

func TestScaleAcceptsEdgeCounts(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	resp := send(t, srv, http.MethodPatch, "/v1/apps/hello/formation", `{"web": 100, "worker": 0}`)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != `{"web":100,"worker":0}` {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
}
