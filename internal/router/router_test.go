package router

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// newTestRouter returns a router for "<app>.localhost" logging into the test's output.
func newTestRouter(t *testing.T) *Router {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	return New("localhost", logger)
}

// serve runs r on a real listener until the test ends, as paasd serves it:
// on the fast path, which hands net/http what it does not take.
func serve(t *testing.T, r *Router) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(r)
	srv.Listener = r.FastPath(srv.Listener, FastPathOptions{})
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// bothPaths are the two ways paasd serves the router, for the tests that
// run on each.
var bothPaths = map[string]func(*testing.T, *Router) *httptest.Server{
	"fast path": serve,
	"net/http":  serveNetHTTP,
}

// serveNetHTTP runs r on net/http's server alone, as the TLS listener and
// PAAS_ROUTER_FASTPATH=0 serve it.
func serveNetHTTP(t *testing.T, r *Router) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// startBackend runs h as a web process and returns its address.
func startBackend(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// namedBackend answers every request with 200 and its name.
func namedBackend(t *testing.T, name string) string {
	t.Helper()
	return startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, name)
	}))
}

// deadAddr returns an address nothing listens on, so dials to it are refused.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// do sends a request for host through srv and returns the response with its body read.
func do(t *testing.T, srv *httptest.Server, method, host, path string, body io.Reader, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Host = host
	for k, v := range header {
		req.Header[k] = v
	}
	client := *srv.Client()
	client.Timeout = 10 * time.Second // fail, rather than hang, if the router never answers
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, host, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body of %s %s%s: %v", method, host, path, err)
	}
	return resp, string(b)
}

func get(t *testing.T, srv *httptest.Server, host string) (*http.Response, string) {
	t.Helper()
	return do(t, srv, http.MethodGet, host, "/", nil, nil)
}

// wantStatus fails the test unless resp has status and its body contains every part.
func wantStatus(t *testing.T, resp *http.Response, body string, status int, parts ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d (body %q)", resp.StatusCode, status, body)
	}
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("body %q does not contain %q", body, p)
		}
	}
}

// lockedBuffer collects log output written from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// within fails the test if ch yields nothing in time.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
