package router

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// newTestClient returns a backend client with the router's settings.
func newTestClient(timeout time.Duration) *backendClient {
	c := &backendClient{pool: connPool{idleTimeout: idleTimeout}, dial: timedDial((&net.Dialer{Timeout: dialTimeout}).DialContext)}
	c.timeout.Store(int64(timeout))
	return c
}

// countingBackend serves h and counts the connections made to it.
func countingBackend(t *testing.T, h http.Handler) (addr string, conns *atomic.Int64) {
	t.Helper()
	conns = new(atomic.Int64)
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), conns
}

// clientRequest is a bodyless request to addr, as the balancer hands it over.
func clientRequest(ctx context.Context, method, addr, path string) *http.Request {
	req := httptest.NewRequestWithContext(ctx, method, "http://"+addr+path, nil)
	req.Body = nil
	req.Host = "hello.localhost"
	req.RequestURI = ""
	return req
}

func idleConns(c *backendClient, addr string) int {
	c.pool.mu.Lock()
	defer c.pool.mu.Unlock()
	return len(c.pool.idle[addr])
}

func TestBodylessRequestsShareOneConnection(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	addr, conns := countingBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/cached":
			w.WriteHeader(http.StatusNotModified)
		case "/chunked":
			w.Header().Set("Trailer", "X-Sum")
			io.WriteString(w, "part one, ")
			w.(http.Flusher).Flush()
			io.WriteString(w, "part two")
			w.Header().Set("X-Sum", "42")
		default:
			io.WriteString(w, req.Method+" "+req.URL.Path)
		}
	}))
	r.SetBackends("hello", []string{addr})

	for i := range 3 {
		resp, body := do(t, srv, http.MethodGet, "hello.localhost", fmt.Sprintf("/page/%d", i), nil, nil)
		wantStatus(t, resp, body, http.StatusOK, fmt.Sprintf("GET /page/%d", i))
		resp, body = do(t, srv, http.MethodHead, "hello.localhost", "/", nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		resp, body = do(t, srv, http.MethodDelete, "hello.localhost", "/thing", nil, nil)
		wantStatus(t, resp, body, http.StatusOK, "DELETE /thing")
		resp, body = do(t, srv, http.MethodGet, "hello.localhost", "/empty", nil, nil)
		wantStatus(t, resp, body, http.StatusNoContent)
		resp, body = do(t, srv, http.MethodGet, "hello.localhost", "/cached", nil, nil)
		wantStatus(t, resp, body, http.StatusNotModified)
		resp, body = do(t, srv, http.MethodGet, "hello.localhost", "/chunked", nil, nil)
		wantStatus(t, resp, body, http.StatusOK, "part one, part two")
		if got := resp.Trailer.Get("X-Sum"); got != "42" {
			t.Errorf("trailer X-Sum = %q, want 42 passed through", got)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the backend saw %d connections for 18 sequential requests, want 1 kept alive", n)
	}
}

// rawBackend serves each connection with serve, which reads requests and
// writes responses on the connection itself.
func rawBackend(t *testing.T, serve func(conn net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				serve(conn, bufio.NewReader(conn))
			}()
		}
	}()
	return ln.Addr().String()
}

func TestConnectionClosedWhileIdleIsNotUsed(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	closed := make(chan struct{}, 10)
	// One request per connection, then a close without saying so, as an
	// app whose keep-alive timeout fired does.
	r.SetBackends("hello", []string{rawBackend(t, func(conn net.Conn, br *bufio.Reader) {
		defer func() { closed <- struct{}{} }()
		defer conn.Close()
		if _, err := http.ReadRequest(br); err == nil {
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})})

	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		resp, body := do(t, srv, method, "hello.localhost", "/", nil, nil)
		wantStatus(t, resp, body, http.StatusOK, "ok")
		within(t, closed, "the backend to close the connection")
	}
}

func TestUnsolicitedBytesAreNotAResponse(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	answered, sent := make(chan struct{}), make(chan struct{}, 10)
	r.SetBackends("hello", []string{rawBackend(t, func(conn net.Conn, br *bufio.Reader) {
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if req.URL.Path == "/first" {
				// A body where none may be, arriving once the router has
				// finished with the response and pooled the connection.
				io.WriteString(conn, "HTTP/1.1 204 No Content\r\n\r\n")
				<-answered
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
				sent <- struct{}{}
				continue
			}
			io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
		}
	})})

	resp, body := do(t, srv, http.MethodGet, "hello.localhost", "/first", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	close(answered)
	within(t, sent, "the stray bytes to be sent")
	resp, body = do(t, srv, http.MethodGet, "hello.localhost", "/second", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if body != "fresh" {
		t.Fatalf("second request got %q, want its own response", body)
	}
}

func TestDroppedRequestRetriedOnlyWhenReplayable(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	var requests atomic.Int64
	// Each connection answers one request, then reads the next and closes
	// without answering: the request may have been acted on.
	r.SetBackends("hello", []string{rawBackend(t, func(conn net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		requests.Add(1)
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		if _, err := http.ReadRequest(br); err == nil {
			requests.Add(1)
		}
	})})

	get(t, srv, "hello.localhost") // leaves a kept-alive connection
	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusOK, "ok")
	if n := requests.Load(); n != 3 {
		t.Errorf("backend read %d requests, want 3: the dropped GET is sent again", n)
	}

	// The retry left a kept-alive connection; a DELETE on it is dropped and
	// is not sent twice.
	resp, body = do(t, srv, http.MethodDelete, "hello.localhost", "/thing", nil, nil)
	wantStatus(t, resp, body, http.StatusBadGateway, "H13")

	// With an idempotency key it may be.
	get(t, srv, "hello.localhost")
	resp, body = do(t, srv, http.MethodDelete, "hello.localhost", "/thing", nil, http.Header{"Idempotency-Key": {"k1"}})
	wantStatus(t, resp, body, http.StatusOK, "ok")
}

func TestOversizedResponseHeadersRefused(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackends("hello", []string{rawBackend(t, func(conn net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nX-Big: ")
		conn.Write(bytes.Repeat([]byte("a"), 2*maxResponseHeaderBytes))
		io.WriteString(conn, "\r\nContent-Length: 2\r\n\r\nok")
	})})

	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusBadGateway, "H13")
}

func TestConnectionPooledOnlyAfterWholeBody(t *testing.T) {
	const size = 1 << 20
	rest := make(chan struct{})
	addr, _ := countingBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/half" {
			w.Header().Set("Content-Length", "20")
			io.WriteString(w, "first half")
			w.(http.Flusher).Flush()
			select {
			case <-rest:
				io.WriteString(w, "secondhalf")
			case <-req.Context().Done():
			}
			return
		}
		if req.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.Write(make([]byte, size))
	}))
	t.Cleanup(func() { close(rest) }) // before the backend's Close, which waits for the handler
	c := newTestClient(time.Minute)

	// All that has arrived is read, but the body is not complete.
	resp, err := c.RoundTrip(clientRequest(t.Context(), http.MethodGet, addr, "/half"))
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, 10)); err != nil {
		t.Fatalf("read the first half: %v", err)
	}
	resp.Body.Close()
	if n := idleConns(c, addr); n != 0 {
		t.Fatalf("%d idle connections after a body closed unread, want 0: its rest is still coming", n)
	}

	resp, err = c.RoundTrip(clientRequest(t.Context(), http.MethodGet, addr, "/"))
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	if n, err := io.Copy(io.Discard, resp.Body); n != size || err != nil {
		t.Fatalf("read %d bytes, %v; want %d", n, err, size)
	}
	resp.Body.Close()
	resp.Body.Close() // a second Close must not pool it twice
	if n := idleConns(c, addr); n != 1 {
		t.Fatalf("%d idle connections after a whole body, want 1", n)
	}

	resp, err = c.RoundTrip(clientRequest(t.Context(), http.MethodGet, addr, "/close"))
	if err != nil {
		t.Fatalf("round trip: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n := idleConns(c, addr); n != 0 {
		t.Fatalf("%d idle connections after Connection: close, want 0", n)
	}
}

func TestCancelUnblocksClient(t *testing.T) {
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	entered := make(chan struct{}, 1)
	addr, _ := countingBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		entered <- struct{}{}
		if req.URL.Path == "/body" {
			io.WriteString(w, "first part")
			w.(http.Flusher).Flush()
		}
		select {
		case <-req.Context().Done():
		case <-stuck:
		}
	}))
	c := newTestClient(time.Minute)

	t.Run("waiting for headers", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() {
			_, err := c.RoundTrip(clientRequest(ctx, http.MethodGet, addr, "/"))
			errc <- err
		}()
		within(t, entered, "the request to reach the backend")
		cancel()
		if err := within(t, errc, "the round trip to end"); err == nil {
			t.Fatal("round trip succeeded after its context ended")
		}
	})
	t.Run("reading the body", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		resp, err := c.RoundTrip(clientRequest(ctx, http.MethodGet, addr, "/body"))
		if err != nil {
			t.Fatalf("round trip: %v", err)
		}
		defer resp.Body.Close()
		within(t, entered, "the request to reach the backend")
		errc := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, resp.Body)
			errc <- err
		}()
		cancel()
		if err := within(t, errc, "the body read to end"); !errors.Is(err, context.Canceled) {
			t.Fatalf("body read ended with %v, want context.Canceled, which ReverseProxy does not log", err)
		}
	})
	if n := idleConns(c, addr); n != 0 {
		t.Errorf("%d idle connections after cancelled requests, want 0", n)
	}
}

func TestClientTimeoutIsATimeout(t *testing.T) {
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	addr, _ := countingBackend(t, http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) {
		select {
		case <-req.Context().Done():
		case <-stuck:
		}
	}))
	c := newTestClient(50 * time.Millisecond)
	_, err := c.RoundTrip(clientRequest(t.Context(), http.MethodGet, addr, "/"))
	if !isTimeout(err) {
		t.Fatalf("err = %v, want a timeout (H12)", err)
	}
}

func TestDialErrorIsADialError(t *testing.T) {
	c := newTestClient(time.Minute)
	_, err := c.RoundTrip(clientRequest(t.Context(), http.MethodGet, deadAddr(t), "/"))
	if !isDialError(err) {
		t.Fatalf("err = %v, want a dial error, which the balancer retries elsewhere", err)
	}
}

func TestEarlyHintsForwarded(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "page")
	}))})

	var hints []int
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		if h.Get("Link") == "" {
			t.Errorf("%d arrived without its Link header", code)
		}
		hints = append(hints, code)
		return nil
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "hello.localhost"
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantStatus(t, resp, string(body), http.StatusOK, "page")
	if len(hints) != 1 || hints[0] != http.StatusEarlyHints {
		t.Errorf("interim responses = %v, want [103]", hints)
	}
}

func TestUnaskedProtocolSwitchRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		http.ReadRequest(bufio.NewReader(conn))
		io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: other\r\nConnection: Upgrade\r\n\r\n")
	}()
	c := newTestClient(time.Minute)
	_, err = c.RoundTrip(clientRequest(t.Context(), http.MethodGet, ln.Addr().String(), "/"))
	if err == nil || !strings.Contains(err.Error(), "switched protocols") {
		t.Fatalf("err = %v, want a refused protocol switch", err)
	}
}

func TestTakesOnlyBodylessPlainRequests(t *testing.T) {
	c := newTestClient(time.Minute)
	get := clientRequest(t.Context(), http.MethodGet, "127.0.0.1:1", "/")
	if !c.takes(get) {
		t.Error("a GET without a body is not taken")
	}
	post := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	if c.takes(post) {
		t.Error("a request with a body is taken; its body must be written while the response is read")
	}
	upgrade := clientRequest(t.Context(), http.MethodGet, "127.0.0.1:1", "/")
	upgrade.Header.Set("Upgrade", "websocket")
	if c.takes(upgrade) {
		t.Error("an upgrade is taken; http.Transport hands back the connection for it")
	}
}

// pipeConn is one end of a pipe whose other end tells when it was closed.
func pipeConn(t *testing.T, addr string) (*backendConn, <-chan struct{}) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, b)
		close(closed)
	}()
	return &backendConn{addr: addr, conn: a, br: bufio.NewReader(a), bw: bufio.NewWriter(a)}, closed
}

func TestPoolNewestFirstAndBounded(t *testing.T) {
	p := &connPool{idleTimeout: time.Minute}
	first, _ := pipeConn(t, "a")
	second, _ := pipeConn(t, "a")
	p.put(first)
	p.put(second)
	if got := p.get("a"); got != second {
		t.Error("get did not return the newest idle connection")
	}
	if p.get("b") != nil {
		t.Error("get returned a connection to another address")
	}
	p.get("a")
	for range maxIdlePerBackend {
		c, _ := pipeConn(t, "a")
		p.put(c)
	}
	extra, closed := pipeConn(t, "a")
	p.put(extra)
	within(t, closed, "the connection over the idle limit to be closed")
	p.closeIdle()
}

func TestPoolClosesIdleConnections(t *testing.T) {
	p := &connPool{idleTimeout: 20 * time.Millisecond}
	c, closed := pipeConn(t, "a")
	p.put(c)
	within(t, closed, "the idle connection to be reaped")
	if got := p.get("a"); got != nil {
		t.Error("get returned a reaped connection")
	}
	// The reaper stops when the pool is empty and starts again with the next put.
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.mu.Lock()
		reaping := p.reaping
		p.mu.Unlock()
		if !reaping {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reaper kept running with no idle connection")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c, closed = pipeConn(t, "a")
	p.put(c)
	within(t, closed, "the next idle connection to be reaped")
}
