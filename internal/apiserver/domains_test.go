package apiserver

import (
	"context"
	"encoding/json"
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

	all, err := c.DomainList(ctx, "hello")
	if err != nil || len(all) != 1 || all[0].Hostname != "hello.localhost" || all[0].Kind != api.DomainKindHeroku || all[0].ID == "" {
		t.Fatalf("the app's own domain: %+v, %v", all, err)
	}

	d, err := c.AddDomain(ctx, "hello", "WWW.example.com")
	if err != nil || d.Hostname != "www.example.com" || d.Kind != api.DomainKindCustom || d.CNAME == nil || *d.CNAME != "hello.localhost" || d.App.Name != "hello" {
		t.Fatalf("AddDomain = %+v, %v", d, err)
	}
	if got := fake.LastOf("AddDomain"); got.Domain != "WWW.example.com" {
		t.Errorf("platform got %+v", got)
	}
	if d, err = c.AddDomain(ctx, "hello", "*.example.com"); err != nil || d.Hostname != "*.example.com" {
		t.Fatalf("AddDomain wildcard = %+v, %v", d, err)
	}
	if ds, err := c.Domains(ctx, "hello"); err != nil || !slices.Equal(ds, []string{"*.example.com", "www.example.com"}) {
		t.Fatalf("Domains = %v, %v", ds, err)
	}

	// By id, and the wildcard through the path escaped and whole.
	resp := send(t, srv, http.MethodGet, "/apps/hello/domains/"+d.ID, "")
	var got api.Domain
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || got.Hostname != "*.example.com" {
		t.Fatalf("GET by id: %d %+v %v", resp.StatusCode, got, err)
	}
	if gone, err := c.RemoveDomain(ctx, "hello", "*.example.com"); err != nil || gone.Hostname != "*.example.com" {
		t.Fatalf("RemoveDomain wildcard = %+v, %v", gone, err)
	}
	if got := fake.LastOf("RemoveDomain"); got.Domain != "*.example.com" {
		t.Errorf("platform got %+v", got)
	}
	if resp := send(t, srv, http.MethodDelete, "/apps/hello/domains/hello.localhost", ""); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("DELETE the app's own host: %d, want 400", resp.StatusCode)
	}
}

func TestAddDomainAnswers201WithLocation(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform("hello"))
	resp := send(t, srv, http.MethodPost, "/apps/hello/domains", `{"hostname": "*.example.com", "sni_endpoint": null}`)
	var d api.Domain
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != http.StatusCreated || d.Hostname != "*.example.com" {
		t.Fatalf("got %d %+v %v", resp.StatusCode, d, err)
	}
	if loc := resp.Header.Get("Location"); loc != "/apps/hello/domains/%2A.example.com" {
		t.Errorf("Location = %q", loc)
	}
	resp = send(t, srv, http.MethodDelete, "/apps/hello/domains/%2A.example.com", "")
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != http.StatusOK || d.Hostname != "*.example.com" {
		t.Fatalf("DELETE at the Location: %d %+v %v", resp.StatusCode, d, err)
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
			http.StatusUnprocessableEntity, "invalid domain"},
		{"platform's own", func() error { _, err := c.AddDomain(ctx, "hello", "other.localhost"); return err },
			http.StatusUnprocessableEntity, "platform's own domain"},
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
	resp := send(t, srv, http.MethodPut, "/apps/hello/domains/www.example.com", "")
	if e := decodeError(t, resp); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "DELETE, GET" {
		t.Errorf("PUT: %d %q, Allow %q", resp.StatusCode, e.Message, resp.Header.Get("Allow"))
	}
}

func TestAddDomainRejectsBadBodies(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"empty object", `{}`, `the field "hostname" is missing or empty`},
		{"empty hostname", `{"hostname": ""}`, `the field "hostname" is missing or empty`},
		{"number", `{"hostname": 5}`, `field "hostname" must be a string`},
		{"old field", `{"domain": "www.example.com"}`, `the field "hostname" is missing or empty`},
		{"bare string", `"www.example.com"`, "not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPost, "/apps/hello/domains", tt.body)
			e := decodeError(t, resp)
			if !isRefusal(resp.StatusCode, e.ID) || !strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, addDomainExample) {
				t.Fatalf("got %d %q, want 400 with %q and the example", resp.StatusCode, e.Message, tt.want)
			}
			if n := fake.Called(); n != 0 {
				t.Errorf("platform called %d times, want 0", n)
			}
		})
	}
}
