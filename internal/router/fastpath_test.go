package router

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rawExchange writes raw to the server at addr and returns the response it
// reads back, and whether the server then closed the connection.
func rawExchange(t *testing.T, addr, raw string) (*http.Response, string, bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response to %q: %v", raw, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, err = br.ReadByte()
	return resp, string(body), err != nil // EOF, or a reset for what it left unread
}

// The fast path refuses what nginx refuses as request smuggling, answers
// with nginx's status, closes the connection, and the app sees nothing; it
// accepts bare LF as nginx does.
func TestFastPathRefusesSmuggling(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	var seen atomic.Int64
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		seen.Add(1)
		b, _ := io.ReadAll(req.Body)
		fmt.Fprintf(w, "body=%s", b)
	}))})
	addr := srv.Listener.Addr().String()
	big := strings.Repeat("a", maxRequestHeadBytes)
	for _, tt := range []struct {
		name, raw string
		status    int
	}{
		{"Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: hello.localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"Transfer-Encoding and Content-Length", "POST / HTTP/1.1\r\nHost: hello.localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
		{"Transfer-Encoding on HTTP/1.0", "POST / HTTP/1.0\r\nHost: hello.localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: hello.localhost\r\nX-A: one\r\n two\r\n\r\n", 400},
		{"two Content-Lengths", "POST / HTTP/1.1\r\nHost: hello.localhost\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400},
		{"two different Content-Lengths", "POST / HTTP/1.1\r\nHost: hello.localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy", 400},
		{"signed Content-Length", "POST / HTTP/1.1\r\nHost: hello.localhost\r\nContent-Length: +1\r\n\r\nx", 400},
		{"Transfer-Encoding other than chunked", "POST / HTTP/1.1\r\nHost: hello.localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
		{"two Transfer-Encodings", "POST / HTTP/1.1\r\nHost: hello.localhost\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
		{"space before the colon", "GET / HTTP/1.1\r\nHost : hello.localhost\r\n\r\n", 400},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: hello.localhost\r\nHost: other.localhost\r\n\r\n", 400},
		{"no Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400},
		{"a NUL in a value", "GET / HTTP/1.1\r\nHost: hello.localhost\r\nX-A: a\x00b\r\n\r\n", 400},
		{"a bare CR", "GET / HTTP/1.1\r\nHost: hello.localhost\r\nX-A: a\rb\r\n\r\n", 400},
		{"a head over 1 MiB", "GET / HTTP/1.1\r\nHost: hello.localhost\r\nX-Big: " + big + "\r\n\r\n", 431},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := seen.Load()
			resp, body, closed := rawExchange(t, addr, tt.raw)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if !closed {
				t.Error("the connection stayed open after a refused request")
			}
			if n := seen.Load() - before; n != 0 {
				t.Errorf("the app saw %d requests", n)
			}
		})
	}
	t.Run("bare LF is accepted", func(t *testing.T) {
		resp, body, _ := rawExchange(t, addr, "POST / HTTP/1.1\nHost: hello.localhost\nContent-Length: 2\nConnection: close\n\nhi")
		if resp.StatusCode != http.StatusOK || body != "body=hi" {
			t.Errorf("got %d %q, want 200 body=hi", resp.StatusCode, body)
		}
	})
}

// What the fast path does not take goes to net/http with every byte read
// of it, and the connection carries on there.
func TestFastPathHandsOverTheRest(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		fmt.Fprintf(w, "%s %s %d", req.Method, req.Proto, len(b))
	}))})
	addr := srv.Listener.Addr().String()
	large := strings.Repeat("x", maxFastBody+1)
	for _, tt := range []struct {
		name, raw, want string
		status          int
	}{
		{"chunked body", "POST / HTTP/1.1\r\nHost: hello.localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "POST HTTP/1.1 3", 200},
		{"large body", fmt.Sprintf("PUT / HTTP/1.1\r\nHost: hello.localhost\r\nContent-Length: %d\r\n\r\n%s", len(large), large), fmt.Sprintf("PUT HTTP/1.1 %d", len(large)), 200},
		{"HTTP/1.0", "GET / HTTP/1.0\r\nHost: hello.localhost\r\n\r\n", "GET HTTP/1.1 0", 200},
		{"Expect", "POST / HTTP/1.1\r\nHost: hello.localhost\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab", "POST HTTP/1.1 2", 200},
		{"unknown host", "GET / HTTP/1.1\r\nHost: nobody.localhost\r\n\r\n", "no app is served", 404},
		{"absolute target", "GET http://hello.localhost/ HTTP/1.1\r\nHost: hello.localhost\r\n\r\n", "GET HTTP/1.1 0", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Twice on one connection: the second request is read by
			// net/http after the handoff.
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(conn)
			for i := range 2 {
				io.WriteString(conn, tt.raw)
				resp, err := http.ReadResponse(br, nil)
				for err == nil && resp.StatusCode < 200 { // 100 Continue
					resp, err = http.ReadResponse(br, nil)
				}
				if err != nil {
					if i == 1 && strings.Contains(tt.raw, "HTTP/1.0") {
						return // net/http closes an HTTP/1.0 connection
					}
					t.Fatalf("request %d: %v", i+1, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
					t.Errorf("request %d: %d %q, want %d %q", i+1, resp.StatusCode, body, tt.status, tt.want)
				}
			}
		})
	}
}

// Pipelined requests are answered in order on the fast path, and the
// backend connection is kept alive across them.
func TestFastPathPipelinesAndKeepsAlive(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	addr, conns := countingBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.WriteString(w, req.URL.Path)
	}))
	r.SetBackends("hello", []string{addr})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var raw strings.Builder
	for i := range 5 {
		fmt.Fprintf(&raw, "GET /%d HTTP/1.1\r\nHost: hello.localhost\r\n\r\n", i)
	}
	io.WriteString(conn, raw.String())
	br := bufio.NewReader(conn)
	for i := range 5 {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if want := fmt.Sprintf("/%d", i); string(body) != want {
			t.Errorf("response %d = %q, want %q", i, body, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the backend got %d connections, want 1 kept alive", n)
	}
}

// A client that leaves while the app works has the app's request
// cancelled, and the log line says H27 with nginx's 499.
func TestFastPathClientGoneCancelsTheApp(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	lines := newLineLog(t, r)
	started, cancelled := make(chan struct{}), make(chan struct{})
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) {
		close(started)
		<-req.Context().Done()
		close(cancelled)
	}))})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /slow HTTP/1.1\r\nHost: hello.localhost\r\n\r\n")
	within(t, started, "the request at the app")
	conn.Close()
	within(t, cancelled, "the app's request cancelled")
	wantLine(t, lines, "hello", map[string]string{"code": "H27", "status": "499"})
}

// Shutdown closes idle connections at once and lets a request being served
// finish.
func TestFastPathShutdown(t *testing.T) {
	r := newTestRouter(t)
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/slow" {
			started <- struct{}{}
			<-release
		}
		io.WriteString(w, "done")
	}))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fp := r.FastPath(ln, FastPathOptions{})
	// One connection idle after a request, one busy with one.
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	idle.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(idle, "GET / HTTP/1.1\r\nHost: hello.localhost\r\n\r\n")
	idleReader := bufio.NewReader(idle)
	if resp, err := http.ReadResponse(idleReader, nil); err != nil {
		t.Fatal(err)
	} else {
		io.ReadAll(resp.Body)
	}
	busy, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: hello.localhost\r\n\r\n")
	within(t, started, "the request at the app")
	shut := make(chan error, 1)
	go func() { shut <- fp.Shutdown(context.Background()) }()
	if _, err := idleReader.ReadByte(); err != io.EOF {
		t.Errorf("idle connection: read %v, want it closed", err)
	}
	close(release)
	busy.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
	if err != nil {
		t.Fatalf("the request being served: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "done" || !resp.Close {
		t.Errorf("got %q, closing %v; want done, and the connection closing", body, resp.Close)
	}
	if err := within(t, shut, "Shutdown"); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// paasd shuts down the fast path and the http.Server behind it together,
// and both close it: only the first Close may report on the listener, else
// the server's Shutdown fails with the listener the other closed (paasd
// logged "shutdown cut requests short" and cut handed-over requests).
func TestFastPathClosesOnce(t *testing.T) {
	r := newTestRouter(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fp := r.FastPath(ln, FastPathOptions{})
	if err := fp.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := fp.Close(); err != nil {
		t.Errorf("Close after Shutdown, as http.Server.Shutdown calls it: %v", err)
	}
}
