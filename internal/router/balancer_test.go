package router

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestRoundRobin(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackends("hello", []string{namedBackend(t, "web.1"), namedBackend(t, "web.2"), namedBackend(t, "web.3")})

	var got []string
	for range 6 {
		resp, body := get(t, srv, "hello.localhost")
		wantStatus(t, resp, body, http.StatusOK)
		got = append(got, body)
	}
	if want := "web.1 web.2 web.3 web.1 web.2 web.3"; strings.Join(got, " ") != want {
		t.Errorf("answered by %v, want %s", got, want)
	}
}

func TestAllBackendsRefused(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackends("hello", []string{deadAddr(t), deadAddr(t)})

	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusBadGateway, "H19", `"hello"`)
}

func TestDialFailureRetriesNextBackend(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	var bodies []string
	live := startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		bodies = append(bodies, string(b)) // requests here are sequential
		io.WriteString(w, "live")
	}))
	r.SetBackends("hello", []string{deadAddr(t), live, deadAddr(t)})

	// Each request starts at the next backend, so every dead one gets picked
	// first at least once, and a retry from the last wraps around.
	for i := range 3 {
		resp, body := do(t, srv, http.MethodPost, "hello.localhost", "/", strings.NewReader("payload"), nil)
		wantStatus(t, resp, body, http.StatusOK, "live")
		if bodies[i] != "payload" {
			t.Errorf("request %d reached the live backend with body %q, want the whole payload", i, bodies[i])
		}
	}
}

func TestNoRetryAfterRequestSent(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	hangUp := startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	var liveHits atomic.Int64
	live := startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		liveHits.Add(1)
		io.WriteString(w, "live")
	}))
	r.SetBackends("hello", []string{hangUp, live})

	// The first request goes to the first backend, which reads it and hangs up.
	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusBadGateway, "H13")
	if n := liveHits.Load(); n != 0 {
		t.Errorf("a request the app already received was retried on another backend (%d hits)", n)
	}
}
