package router

import (
	"net/http"
	"slices"
	"testing"
)

func TestAppLifecycle(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	live := namedBackend(t, "web.1")

	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusNotFound)

	r.AddApp("hello")
	resp, body = get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusServiceUnavailable)
	if got := r.Backends("hello"); got != nil {
		t.Errorf("Backends after AddApp = %v, want none", got)
	}

	addrs := []string{live}
	r.SetBackends("hello", addrs)
	addrs[0] = "mutated by the caller"
	if got := r.Backends("hello"); !slices.Equal(got, []string{live}) {
		t.Fatalf("Backends = %v, want [%s]", got, live)
	}
	r.Backends("hello")[0] = "mutated by a reader"
	resp, body = get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusOK, "web.1")

	r.AddApp("hello") // must not drop the backends
	if got := r.Backends("hello"); len(got) != 1 {
		t.Errorf("Backends after a second AddApp = %v, want [%s]", got, live)
	}

	r.SetBackends("hello", nil)
	resp, body = get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusServiceUnavailable)

	r.RemoveApp("hello")
	resp, body = get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusNotFound)
	if got := r.Backends("hello"); got != nil {
		t.Errorf("Backends after RemoveApp = %v, want none", got)
	}
}

func TestSetBackendsAddsApp(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackends("hello", []string{namedBackend(t, "web.1")})
	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusOK, "web.1")
}
