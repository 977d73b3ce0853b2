package router

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestProxiesStatusHeadersAndBody(t *testing.T) {
	for name, serve := range bothPaths {
		t.Run(name, func(t *testing.T) {
			r := newTestRouter(t)
			srv := serve(t, r)
			r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				b, _ := io.ReadAll(req.Body)
				w.Header().Set("X-App", "hello")
				w.WriteHeader(http.StatusCreated)
				fmt.Fprintf(w, "%s %s host=%s body=%s", req.Method, req.URL.RequestURI(), req.Host, b)
			}))})

			resp, body := do(t, srv, http.MethodPost, "hello.localhost", "/things?x=1", strings.NewReader("payload"), nil)
			wantStatus(t, resp, body, http.StatusCreated)
			if want := "POST /things?x=1 host=hello.localhost body=payload"; body != want {
				t.Errorf("body = %q, want %q", body, want)
			}
			if got := resp.Header.Get("X-App"); got != "hello" {
				t.Errorf("X-App = %q, want the app's header passed through", got)
			}
		})
	}
}

func TestStreamingFlushesEachEvent(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		logged bool // the request log wraps the client's ResponseWriter
	}{
		{"server-sent events", http.Header{"Content-Type": {"text/event-stream"}}, false},
		// ReverseProxy flushes unknown-length bodies by itself; a declared
		// length is streamWriter's case.
		{"declared length", http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"22"}}, false},
		{"declared length, logged", http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"22"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRouter(t)
			if tt.logged {
				r.SetRequestLog(discardLines{})
			}
			srv := serve(t, r)
			release := make(chan struct{})
			var releaseOnce sync.Once
			t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // unblock the backend if the test fails
			r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				maps.Copy(w.Header(), tt.header)
				io.WriteString(w, "data: one\n\n")
				w.(http.Flusher).Flush()
				select {
				case <-release:
				case <-req.Context().Done():
					return
				}
				io.WriteString(w, "data: two\n\n")
			}))})

			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/events", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "hello.localhost"
			// Even the response headers may be held back, so the request
			// itself runs where the deadline below covers it.
			events := make(chan string, 3)
			go func() {
				defer close(events)
				resp, err := srv.Client().Do(req)
				if err != nil {
					events <- "error: " + err.Error()
					return
				}
				defer resp.Body.Close()
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if line := sc.Text(); line != "" {
						events <- line
					}
				}
			}()
			// The backend holds its handler open until the first event has
			// arrived, so it can only arrive if the router flushed it.
			if got := within(t, events, "the first event"); got != "data: one" {
				t.Fatalf("first event = %q, want %q", got, "data: one")
			}
			releaseOnce.Do(func() { close(release) })
			if got := within(t, events, "the second event"); got != "data: two" {
				t.Fatalf("second event = %q, want %q", got, "data: two")
			}
		})
	}
}

// echoUpgrade switches to a protocol named "echo" and echoes every byte back,
// like a WebSocket server minus the framing.
func echoUpgrade(w http.ResponseWriter, req *http.Request) {
	if !strings.EqualFold(req.Header.Get("Upgrade"), "echo") {
		http.Error(w, "upgrade to echo expected", http.StatusBadRequest)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	if brw.Flush() != nil {
		return
	}
	io.Copy(conn, brw.Reader)
}

func TestUpgradePassesThrough(t *testing.T) {
	t.Run("unlogged", func(t *testing.T) { testUpgradePassesThrough(t, nil) })
	t.Run("logged", func(t *testing.T) {
		lines := make(lineLog, 1)
		testUpgradePassesThrough(t, lines)
		wantLine(t, lines, "hello", map[string]string{"status": "101", "dyno": "web.1"})
	})
}

func testUpgradePassesThrough(t *testing.T, lines lineLog) {
	r := newTestRouter(t)
	if lines != nil {
		r.SetRequestLog(lines)
	}
	srv := serve(t, r)
	r.SetBackendsNamed("hello", []Backend{{startBackend(t, http.HandlerFunc(echoUpgrade)), "web.1"}})

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("dial router: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET /socket HTTP/1.1\r\nHost: hello.localhost\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read upgrade response: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status = %d, want 101", resp.StatusCode)
	}
	if resp.Header.Get(headerRequestID) == "" {
		t.Error("101 response has no X-Request-Id")
	}
	for _, msg := range []string{"ping", "pong"} {
		io.WriteString(conn, msg)
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(br, got); err != nil {
			t.Fatalf("read echo of %q: %v", msg, err)
		}
		if string(got) != msg {
			t.Errorf("echo = %q, want %q", got, msg)
		}
	}
}

func TestTimeoutAnswers504(t *testing.T) {
	r := newTestRouter(t)
	r.SetTimeout(100 * time.Millisecond)
	srv := serve(t, r)
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) {
		select {
		case <-req.Context().Done():
		case <-stuck:
		}
	}))})

	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusGatewayTimeout, "H12", `"hello"`)
}

func TestSwapUnderLoad(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	var hits [4]atomic.Int64
	addrs := make([]string, len(hits))
	for i := range hits {
		addrs[i] = startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hits[i].Add(1)
			io.WriteString(w, "ok")
		}))
	}
	sets := [][]string{addrs[:2], addrs[2:]}
	r.SetBackends("hello", sets[0])

	const workers = 8
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	t.Cleanup(client.CloseIdleConnections)
	var (
		done, failed atomic.Int64
		firstErr     sync.Once
		stop         = make(chan struct{})
		progress     = make(chan struct{}, 1)
		wg           sync.WaitGroup
	)
	fail := func(format string, args ...any) {
		failed.Add(1)
		firstErr.Do(func() { t.Errorf(format, args...) })
	}
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
				req.Host = "hello.localhost"
				resp, err := client.Do(req)
				if err != nil {
					fail("request during swap: %v", err)
				} else {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || string(b) != "ok" {
						fail("request during swap: %d %q", resp.StatusCode, b)
					}
				}
				done.Add(1)
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		})
	}

	deadline := time.After(10 * time.Second)
	for i := range 50 {
		r.SetBackends("hello", sets[(i+1)%2])
		// Let a round of requests run against this set before the next swap.
		for target := done.Load() + workers; done.Load() < target; {
			select {
			case <-progress:
			case <-deadline:
				close(stop)
				wg.Wait()
				t.Fatalf("requests stalled after %d swaps", i)
			}
		}
	}
	close(stop)
	wg.Wait()

	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during 50 swaps", n, done.Load())
	}
	for i := range hits {
		if hits[i].Load() == 0 {
			t.Errorf("backend %d got no requests", i)
		}
	}
	t.Logf("%d requests during 50 swaps", done.Load())
}

// BenchmarkProxy compares a tiny response fetched straight from the backend
// with the same response through the router, over kept-alive connections,
// without and with a request log line per request.
func BenchmarkProxy(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer backend.Close()
	r := New("localhost", slog.New(slog.DiscardHandler))
	r.SetBackends("hello", []string{backend.Listener.Addr().String()})
	front := httptest.NewServer(r)
	defer front.Close()
	logged := New("localhost", slog.New(slog.DiscardHandler))
	logged.SetBackendsNamed("hello", []Backend{{Addr: backend.Listener.Addr().String(), Name: "web.1"}})
	logged.SetRequestLog(discardLines{})
	loggedFront := httptest.NewServer(logged)
	defer loggedFront.Close()

	for _, bb := range []struct{ name, url string }{
		{"direct", backend.URL},
		{"router", front.URL},
		{"router-logged", loggedFront.URL},
	} {
		b.Run(bb.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
			defer client.CloseIdleConnections()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, bb.url, nil)
					req.Host = "hello.localhost"
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
