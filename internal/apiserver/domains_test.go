package apiserver

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestDomains(t *testing.T) {
	fake := apiservertest.NewPlatform("hello", "other")
	c, srv := newTestServer(t, fake)
	ctx := context.Background()

	resp := send(t, srv, http.MethodGet, "/v1/apps/hello/domains", "")
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("no domains: %d %s, want 200 []", resp.StatusCode, b)
	}

	ds, err := c.AddDomain(ctx, "hello", "WWW.example.com")
	if err != nil || !slices.Equal(ds, []string{"www.example.com"}) {
		t.Fatalf("AddDomain = %v, %v", ds, err)
	}
	if got := fake.Last(); got.Method != "AddDomain" || got.Domain != "WWW.example.com" {
		t.Errorf("platform got %+v", got)
	}
	if ds, err = c.AddDomain(ctx, "hello", "*.example.com"); err != nil || !slices.Equal(ds, []string{"*.example.com", "www.example.com"}) {
		t.Fatalf("AddDomain wildcard = %v, %v", ds, err)
	}
	if ds, err = c.Domains(ctx, "hello"); err != nil || !slices.Equal(ds, []string{"*.example.com", "www.example.com"}) {
		t.Fatalf("Domains = %v, %v", ds, err)
	}

	// The wildcard goes through the path escaped and arrives whole.
	if ds, err = c.RemoveDomain(ctx, "hello", "*.example.com"); err != nil || !slices.Equal(ds, []string{"www.example.com"}) {
		t.Fatalf("RemoveDomain wildcard = %v, %v", ds, err)
	}
	if got := fake.Last(); got.Method != "RemoveDomain" || got.Domain != "*.example.com" {
		t.Errorf("platform got %+v", got)
	}
	if ds, err = c.RemoveDomain(ctx, "hello", "www.example.com"); err != nil || ds == nil || len(ds) != 0 {
		t.Fatalf("RemoveDomain last = %#v, %v; want empty, not nil", ds, err)
	}
}

func TestAddDomainAnswers201WithLocation(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform("hello"))
	resp := send(t, srv, http.MethodPost, "/v1/apps/hello/domains", `{"domain": "*.example.com"}`)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated || strings.TrimSpace(string(b)) != `["*.example.com"]` {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	if loc := resp.Header.Get("Location"); loc != "/v1/apps/hello/domains/%2A.example.com" {
		t.Errorf("Location = %q", loc)
	}
	resp = send(t, srv, http.MethodDelete, "/v1/apps/hello/domains/%2A.example.com", "")
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != "[]" {
		t.Fatalf("DELETE at the Location: %d %s", resp.StatusCode, b)
	}
}

func TestDomainErrors(t *testing.T) {
	fake := apiservertest.NewPlatform("hello", "other")
	c, srv := newTestServer(t, fake)
	ctx := context.Background()
	if _, err := c.AddDomain(ctx, "other", "www.example.com"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		call   func() error
		status int
		want   string
	}{
		{"taken by another app", func() error { _, err := c.AddDomain(ctx, "hello", "www.example.com"); return err },
			http.StatusConflict, "already used by app other"},
		{"invalid", func() error { _, err := c.AddDomain(ctx, "hello", "bad_name.example.com"); return err },
			http.StatusBadRequest, "invalid domain"},
		{"platform's own", func() error { _, err := c.AddDomain(ctx, "hello", "other.localhost"); return err },
			http.StatusBadRequest, "platform's own domain"},
		{"unknown app", func() error { _, err := c.Domains(ctx, "nope"); return err },
			http.StatusNotFound, "nope"},
		{"remove one the app lacks", func() error { _, err := c.RemoveDomain(ctx, "hello", "www.example.com"); return err },
			http.StatusNotFound, "www.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			e, ok := err.(*api.Error)
			if !ok || e.StatusCode != tt.status || !strings.Contains(e.Message, tt.want) {
				t.Fatalf("err = %v, want %d with %q", err, tt.status, tt.want)
			}
		})
	}
	resp := send(t, srv, http.MethodPut, "/v1/apps/hello/domains/www.example.com", "")
	if e := decodeError(t, resp); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "DELETE" {
		t.Errorf("PUT: %d %q, Allow %q", resp.StatusCode, e.Message, resp.Header.Get("Allow"))
	}
}

func TestAddDomainRejectsBadBodies(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"empty object", `{}`, `the field "domain" is missing or empty`},
		{"empty domain", `{"domain": ""}`, `the field "domain" is missing or empty`},
		{"number", `{"domain": 5}`, `field "domain" must be a string`},
		{"unknown field", `{"hostname": "www.example.com"}`, `unknown field "hostname"`},
		{"bare string", `"www.example.com"`, "not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPost, "/v1/apps/hello/domains", tt.body)
			e := decodeError(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, addDomainExample) {
				t.Fatalf("got %d %q, want 400 with %q and the example", resp.StatusCode, e.Message, tt.want)
			}
			if n := fake.Called(); n != 0 {
				t.Errorf("platform called %d times, want 0", n)
			}
		})
	}
}
