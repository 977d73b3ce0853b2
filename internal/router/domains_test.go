package router

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

func TestLookupCustomDomains(t *testing.T) {
	r := New("localhost", nil)
	r.AddApp("hello")
	r.AddApp("shop")
	r.AddApp("api")
	r.SetDomains("hello", []string{"www.example.com", "*.example.com", "Example.NET."})
	r.SetDomains("shop", []string{"shop.example.com", "*.shop.example.com"})
	tests := []struct {
		name, host, want string // want "" means unknown
	}{
		{"exact", "www.example.com", "hello"},
		{"exact upper case", "WWW.Example.Com", "hello"},
		{"exact with port", "www.example.com:8443", "hello"},
		{"exact trailing dot", "www.example.com.", "hello"},
		{"given in upper case with a dot", "example.net", "hello"},
		{"wildcard one label", "blog.example.com", "hello"},
		{"wildcard upper case and port", "BLOG.EXAMPLE.COM:80", "hello"},
		{"wildcard misses the bare domain", "example.com", ""},
		{"wildcard misses two labels", "a.blog.example.com", ""},
		{"wildcard misses an empty label", ".example.com", ""},
		{"exact beats wildcard", "shop.example.com", "shop"},
		{"nested wildcard", "eu.shop.example.com", "shop"},
		{"nested wildcard two labels", "x.eu.shop.example.com", ""},
		{"default host still served", "hello.localhost", "hello"},
		{"app without domains", "api.localhost", "api"},
		{"other domain", "www.example.org", ""},
		{"suffix is not a match", "wwwexample.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if rt := r.table.Load().lookup(tt.host); rt != nil {
				got = rt.app
			}
			if got != tt.want {
				t.Errorf("lookup(%q) = %q, want %q", tt.host, got, tt.want)
			}
		})
	}
	if got := r.Domains("hello"); !slices.Equal(got, []string{"*.example.com", "example.net", "www.example.com"}) {
		t.Errorf("Domains = %v", got)
	}
}

func TestSetDomainsReplacesAndRemoveAppDrops(t *testing.T) {
	r := New("localhost", nil)
	lookup := func(host string) string {
		if rt := r.table.Load().lookup(host); rt != nil {
			return rt.app
		}
		return ""
	}
	r.SetDomains("hello", []string{"www.example.com", "*.example.org"})
	if lookup("www.example.com") != "hello" || lookup("hello.localhost") != "hello" {
		t.Fatal("SetDomains on an unknown app did not add it")
	}
	r.SetDomains("hello", []string{"api.example.com"})
	if lookup("www.example.com") != "" || lookup("a.example.org") != "" || lookup("api.example.com") != "hello" {
		t.Fatal("SetDomains did not replace the set")
	}
	r.SetBackends("hello", nil) // a backend swap keeps the domains
	if lookup("api.example.com") != "hello" {
		t.Fatal("a backend swap lost the domains")
	}
	r.SetDomains("hello", nil)
	if lookup("api.example.com") != "" || lookup("hello.localhost") != "hello" || r.Domains("hello") != nil {
		t.Fatal("an empty set did not clear the domains, or removed the app")
	}
	r.SetDomains("hello", []string{"www.example.com"})
	r.RemoveApp("hello")
	if lookup("www.example.com") != "" || r.Domains("hello") != nil {
		t.Fatal("RemoveApp kept the domains")
	}
	r.AddApp("hello")
	if lookup("www.example.com") != "" {
		t.Fatal("a re-added app got its old domains back")
	}
}

func TestDefaultHostBeatsCustomDomain(t *testing.T) {
	r := New("localhost", nil)
	r.AddApp("hello")
	r.SetDomains("other", []string{"hello.localhost"}) // the ledger refuses this; the router must not be confused by it
	if rt := r.table.Load().lookup("hello.localhost"); rt == nil || rt.app != "hello" {
		t.Fatalf("lookup(hello.localhost) = %v, want hello", rt)
	}
}

func TestCustomDomainServes(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackendsNamed("hello", []Backend{{Addr: namedBackend(t, "hello web.1"), Name: "web.1"}})
	r.SetBackendsNamed("shop", []Backend{{Addr: namedBackend(t, "shop web.1"), Name: "web.1"}})
	r.SetDomains("hello", []string{"*.example.com"})
	r.SetDomains("shop", []string{"shop.example.com"})

	resp, body := get(t, srv, "WWW.example.com:8080")
	wantStatus(t, resp, body, http.StatusOK, "hello web.1")
	resp, body = get(t, srv, "shop.example.com")
	wantStatus(t, resp, body, http.StatusOK, "shop web.1")
	resp, body = get(t, srv, "example.com")
	wantStatus(t, resp, body, http.StatusNotFound)

	r.SetDomains("hello", nil)
	resp, body = get(t, srv, "www.example.com")
	wantStatus(t, resp, body, http.StatusNotFound)
}

// TestCustomDomainOverTLS serves the router over TLS, as paasd's optional
// TLS listener does: the app sees the original host and https.
func TestCustomDomainOverTLS(t *testing.T) {
	r := newTestRouter(t)
	backend := startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.WriteString(w, req.Host+" "+req.Header.Get("X-Forwarded-Proto")+" "+req.Header.Get("X-Forwarded-Host"))
	}))
	r.SetBackends("hello", []string{backend})
	r.SetDomains("hello", []string{"www.example.com"})
	srv := httptest.NewTLSServer(r)
	t.Cleanup(srv.Close)

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "www.example.com"
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	wantStatus(t, resp, string(b), http.StatusOK, "https", "www.example.com")
}
