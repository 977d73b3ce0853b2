package router

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHTTPSRedirectAndHSTS(t *testing.T) {
	r := newTestRouter(t)
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("app"))
	}))})
	r.SetDomains("hello", []string{"www.example.com", "nocert.example.com"})
	get := func(host, path string, overTLS bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "http://"+host+path, nil)
		if overTLS {
			req.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}
	// Off by default.
	if rec := get("hello.localhost", "/a?b=c", false); rec.Code != 200 || rec.Header().Get("Strict-Transport-Security") != "" {
		t.Fatalf("before: %d %v", rec.Code, rec.Header())
	}
	r.SetHTTPS("hello", true, true)
	// No HTTPS listener yet: nothing to redirect to.
	if rec := get("hello.localhost", "/", false); rec.Code != 200 {
		t.Errorf("without a TLS listener: %d", rec.Code)
	}
	r.SetTLS("8443", func(host string) bool { return host == "hello.localhost" || host == "www.example.com" })
	for _, tt := range []struct {
		host, path, location string
	}{
		{"hello.localhost", "/a?b=c", "https://hello.localhost:8443/a?b=c"},
		{"WWW.example.com:8080", "/", "https://WWW.example.com:8443/"},
	} {
		rec := get(tt.host, tt.path, false)
		if rec.Code != http.StatusPermanentRedirect || rec.Header().Get("Location") != tt.location {
			t.Errorf("%s%s: %d to %q, want 308 to %q", tt.host, tt.path, rec.Code, rec.Header().Get("Location"), tt.location)
		}
	}
	// Not for ACME's challenges, nor for a host without a certificate.
	if rec := get("hello.localhost", "/.well-known/acme-challenge/tok", false); rec.Code == http.StatusPermanentRedirect {
		t.Error("an ACME challenge was redirected")
	}
	if rec := get("nocert.example.com", "/", false); rec.Code != 200 {
		t.Errorf("a host without a certificate: %d", rec.Code)
	}
	// Over HTTPS: served, with HSTS.
	if rec := get("hello.localhost", "/", true); rec.Code != 200 || rec.Header().Get("Strict-Transport-Security") != hstsValue {
		t.Errorf("over HTTPS: %d %v", rec.Code, rec.Header())
	}
	// A new deploy keeps the policy; turning it off stops it.
	r.SetBackends("hello", []string{startBackend(t, http.NotFoundHandler())})
	if rec := get("hello.localhost", "/", false); rec.Code != http.StatusPermanentRedirect {
		t.Errorf("after new backends: %d", rec.Code)
	}
	r.SetHTTPS("hello", false, false)
	if rec := get("hello.localhost", "/", false); rec.Code == http.StatusPermanentRedirect {
		t.Error("redirected after turning it off")
	}
	r.SetTLS("443", func(string) bool { return true })
	r.SetHTTPS("hello", true, false)
	if rec := get("hello.localhost", "/x", false); rec.Header().Get("Location") != "https://hello.localhost/x" {
		t.Errorf("on port 443: %q", rec.Header().Get("Location"))
	}
}
