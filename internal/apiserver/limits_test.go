package apiserver

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestLimits(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, _ := newTestServer(t, fake)
	ctx := context.Background()

	l, err := c.Limits(ctx, "hello")
	if err != nil || !maps.Equal(l, api.Limits{"run": "512m", "web": "512m", "worker": "512m"}) {
		t.Fatalf("limits = %v, %v", l, err)
	}
	l, err = c.SetLimits(ctx, "hello", api.Limits{"worker": "1G"})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(l, api.Limits{"run": "512m", "web": "512m", "worker": "1G"}) {
		t.Errorf("set answered %v, want every type", l)
	}
	if got := fake.Last().Limits; !maps.Equal(got, api.Limits{"worker": "1G"}) {
		t.Errorf("platform got %v", got)
	}
	if _, err := c.Limits(ctx, "nope"); !api.IsNotFound(err) {
		t.Errorf("limits of nope: %v", err)
	}
}

func TestSetLimitsRejectsBadBodies(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty", `{}`, "nothing to change"},
		{"number", `{"web": 512}`, `the value of "web" is a JSON number: limits are strings`},
		{"null", `{"web": null}`, `the value of "web" is a JSON null`},
		{"no unit", `{"web": "lots"}`, `the limit of "web": "lots" is not a memory size`},
		{"too small", `{"web": "1m"}`, `the limit of "web": memory size "1m" is too small: the least is 6m`},
		{"too large", `{"web": "65g"}`, "too large: the most is 64g"},
		{"bad type", `{"web 1": "1g"}`, `"web 1" is not a process type`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPatch, "/apps/hello/limits", tt.body)
			e := decodeError(t, resp)
			if !isRefusal(resp.StatusCode, e.ID) || !strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, limitsExample) {
				t.Fatalf("got %d %q, want 400 with %q and the example", resp.StatusCode, e.Message, tt.want)
			}
			if n := fake.Called(); n != 0 {
				t.Errorf("platform called %d times, want 0", n)
			}
		})
	}
}
