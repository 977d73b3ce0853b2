package apiserver

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
)

func TestSanitizeActor(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"ada@laptop via paasctl", "ada@laptop via paasctl"},
		{"  ada  ", "ada"},
		{"", ""},
		{" \t ", ""},
		{"José@host", "Jos@host"},
		{"ada\r\nX-Forged: yes", "adaX-Forged: yes"},
		{"\x1b[31mred\x1b[0m", "[31mred[0m"},
		{"tab\there", "tabhere"},
		{"\u202eevil", "evil"},
		{strings.Repeat("a", 150), strings.Repeat("a", 100)},
		{strings.Repeat("a", 99) + " b", strings.Repeat("a", 99)},
		{"ü" + strings.Repeat("a", 100), strings.Repeat("a", 100)},
	}
	for _, tt := range tests {
		if got := api.SanitizeActor(tt.in); got != tt.want {
			t.Errorf("SanitizeActor(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestActorHeaderReachesPlatform sends headers as any HTTP client could,
// bytes Go's own client would refuse included.
func TestActorHeaderReachesPlatform(t *testing.T) {
	tests := []struct {
		name   string
		header []string // nil: no header
		want   string
	}{
		{"none", nil, "api"},
		{"plain", []string{"ada@laptop via paasctl"}, "ada@laptop via paasctl"},
		{"padded", []string{"  ada@laptop  "}, "ada@laptop"},
		{"blank", []string{"   "}, "api"},
		{"non-ASCII only", []string{"ü€"}, "api"},
		{"non-ASCII dropped", []string{"zoë@host"}, "zo@host"},
		{"long", []string{strings.Repeat("x", 300)}, strings.Repeat("x", 100)},
		{"two headers", []string{"first", "second"}, "first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newLedger(t)
			_, srv := newTestServer(t, fake)
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/apps/hello/releases", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+testToken)
			for _, h := range tt.header {
				req.Header.Add(api.ActorHeader, h)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := fake.Last().Actor; got != tt.want {
				t.Errorf("platform got actor %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClientSendsActor(t *testing.T) {
	fake := newLedger(t)
	c, _ := newTestServer(t, fake)
	ctx := context.Background()
	v := "1"

	if _, _, err := c.UpdateConfig(ctx, "hello", api.ConfigUpdate{"A": &v}); err != nil {
		t.Fatal(err)
	}
	if got := fake.LastOf("UpdateConfig").Actor; got != api.DefaultActor {
		t.Errorf("without SetActor the platform got %q, want %q", got, api.DefaultActor)
	}

	c.SetActor("ada@laptop via paasctl\n")
	if _, _, err := c.UpdateConfig(ctx, "hello", api.ConfigUpdate{"A": &v}); err != nil {
		t.Fatalf("a newline in the actor broke the request: %v", err)
	}
	if got := fake.LastOf("UpdateConfig").Actor; got != "ada@laptop via paasctl" {
		t.Errorf("platform got %q", got)
	}
	if _, err := c.Rollback(ctx, "hello", 1); err != nil {
		t.Fatal(err)
	}
	if got := fake.Last().Actor; got != "ada@laptop via paasctl" {
		t.Errorf("rollback: platform got %q", got)
	}
}
