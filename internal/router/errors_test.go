package router

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestUnknownHost(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	resp, body := get(t, srv, "Foo.localhost:8080")
	wantStatus(t, resp, body, http.StatusNotFound, `no app is served at "foo.localhost"`)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want text/plain", ct)
	}
}

func TestNoBackends(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.AddApp("hello")
	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusServiceUnavailable, "no web processes running", "H14", `"hello"`)
}

func TestClientGoneIsNotAnError(t *testing.T) {
	var logs lockedBuffer
	r := New("localhost", slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	srv := serve(t, r)
	started := make(chan struct{})
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) {
		close(started)
		<-req.Context().Done()
	}))})

	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "hello.localhost"
	go func() {
		<-started
		cancel()
	}()
	if _, err := srv.Client().Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("request error = %v, want context canceled", err)
	}
	// The router notices the client's close on its own time.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "client closed request") && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond) // polls the condition, until the deadline
	}
	srv.Close()

	out := logs.String()
	if !strings.Contains(out, "level=DEBUG") || !strings.Contains(out, "client closed request") {
		t.Errorf("want a debug line for the client going away, got:\n%s", out)
	}
	if strings.Contains(out, "level=WARN") || strings.Contains(out, "level=ERROR") {
		t.Errorf("client going away was logged as a problem:\n%s", out)
	}
}

// Maintenance mode answers 503 H80 whatever the backends, survives a new set
// of them, and ends when turned off.
func TestMaintenanceMode(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	lines := newLineLog(t, r)
	r.SetBackends("hello", []string{namedBackend(t, "web.1")})
	r.SetMaintenance("hello", true)
	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusServiceUnavailable, "H80", "maintenance", `"hello"`)
	if resp.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	wantLine(t, lines, "hello", map[string]string{"code": "H80", "desc": `"Maintenance mode"`, "status": "503"})

	r.SetBackends("hello", []string{namedBackend(t, "web.2")}) // a deploy meanwhile
	resp, body = get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusServiceUnavailable, "H80")

	r.SetMaintenance("hello", false)
	resp, body = get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusOK)
}

// A status no client could take is a 502 H17, not a panic in ReverseProxy
// and a dropped connection (found by FuzzBackendClientMatchesTransport).
func TestStatusBelow100IsA502(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	lines := newLineLog(t, r)
	r.SetBackendsNamed("hello", []Backend{{Addr: rawBackend(t, func(conn net.Conn, br *bufio.Reader) {
		for {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			fmt.Fprint(conn, "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n")
		}
	}), Name: "web.1"}})
	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusBadGateway, "H17")
	wantLine(t, lines, "hello", map[string]string{"code": "H17", "status": "502"})
}
