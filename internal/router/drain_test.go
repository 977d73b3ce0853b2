package router

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heldBackend answers "held" to each request once release is called; entered
// yields each time a request reaches it.
func heldBackend(t *testing.T) (addr string, entered <-chan struct{}, release func()) {
	t.Helper()
	in := make(chan struct{}, 16)
	done := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(done) }) }
	t.Cleanup(release) // unblock the handler if the test fails first
	addr = startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		in <- struct{}{}
		<-done
		io.WriteString(w, "held")
	}))
	return addr, in, release
}

// getAsync sends a request for host in the background and yields its
// status and body, or the error.
func getAsync(srv *httptest.Server, host string) <-chan string {
	out := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Host = host
		resp, err := srv.Client().Do(req)
		if err != nil {
			out <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out <- fmt.Sprintf("%d %s", resp.StatusCode, b)
	}()
	return out
}

// drainAsync runs Drain in the background and yields its result.
func drainAsync(ctx context.Context, r *Router, app string, addrs ...string) <-chan error {
	out := make(chan error, 1)
	go func() { out <- r.Drain(ctx, app, addrs) }()
	return out
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestDrainReturnsAtOnceWithNothingInFlight(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	old, kept := namedBackend(t, "old"), namedBackend(t, "kept")
	r.SetBackends("hello", []string{old, kept})
	for range 2 {
		resp, body := get(t, srv, "hello.localhost") // both have served and finished
		wantStatus(t, resp, body, http.StatusOK)
	}
	r.SetBackends("hello", []string{kept})

	// A cancelled context makes any wait an error, so nil means no wait.
	for _, tt := range []struct {
		app   string
		addrs []string
	}{
		{"hello", []string{old}},
		{"hello", []string{old, kept}},
		{"hello", nil},
		{"hello", []string{deadAddr(t)}},
		{"unknown", []string{old}},
	} {
		if err := r.Drain(cancelled(), tt.app, tt.addrs); err != nil {
			t.Errorf("Drain(%s, %v) = %v, want nil at once", tt.app, tt.addrs, err)
		}
	}
}

func TestDrainWaitsForRequestToRemovedBackend(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	old, entered, release := heldBackend(t)
	r.SetBackends("hello", []string{old})
	slow := getAsync(srv, "hello.localhost")
	within(t, entered, "the request to reach the old backend")

	r.SetBackends("hello", []string{namedBackend(t, "new")})
	drained := drainAsync(context.Background(), r, "hello", old)
	for range 3 {
		resp, body := get(t, srv, "hello.localhost")
		wantStatus(t, resp, body, http.StatusOK, "new")
	}
	select {
	case err := <-drained:
		t.Fatalf("Drain returned %v while a request to the old backend was in flight", err)
	default:
	}

	release()
	if got := within(t, slow, "the slow request"); got != "200 held" {
		t.Errorf("slow request to the removed backend = %q, want it to finish with 200 held", got)
	}
	if err := within(t, drained, "Drain to return"); err != nil {
		t.Errorf("Drain = %v, want nil once the request finished", err)
	}
}

func TestDrainSkipsBackendKeptInNewSet(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	kept, entered, release := heldBackend(t)
	removed := namedBackend(t, "removed")
	r.SetBackends("hello", []string{kept, removed})
	slow := getAsync(srv, "hello.localhost") // round robin starts at kept
	within(t, entered, "the request to reach the kept backend")

	r.SetBackends("hello", []string{kept, namedBackend(t, "new")})
	if err := r.Drain(cancelled(), "hello", []string{kept, removed}); err != nil {
		t.Errorf("Drain = %v, want nil at once: the busy backend stays in the set", err)
	}
	release()
	within(t, slow, "the slow request")
}

func TestDrainHonoursContext(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	old, entered, release := heldBackend(t)
	r.SetBackends("hello", []string{old})
	slow := getAsync(srv, "hello.localhost")
	within(t, entered, "the request to reach the old backend")
	r.SetBackends("hello", []string{namedBackend(t, "new")})

	ctx, cancel := context.WithCancel(context.Background())
	drained := drainAsync(ctx, r, "hello", old)
	cancel()
	err := within(t, drained, "Drain to give up")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "1 request still in flight") {
		t.Errorf("Drain = %v, want context canceled naming 1 request in flight", err)
	}
	release()
	within(t, slow, "the slow request")
}

// An upgraded connection stays in flight until it closes: Drain waits for it
// only as long as its context allows.
func TestDrainCountsUpgradedConnection(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	old := startBackend(t, http.HandlerFunc(echoUpgrade))
	r.SetBackends("hello", []string{old})

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("dial router: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET /socket HTTP/1.1\r\nHost: hello.localhost\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}

	r.SetBackends("hello", []string{namedBackend(t, "new")})
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := r.Drain(ctx, "hello", []string{old}); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1 request still in flight") {
		t.Errorf("Drain with an open WebSocket = %v, want deadline exceeded naming 1 in flight", err)
	}

	conn.Close()
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Drain(ctx, "hello", []string{old}); err != nil {
		t.Errorf("Drain after the client closed the WebSocket = %v, want nil", err)
	}
}

// A request that loaded the table before a swap and picks a backend the swap
// removed must not go there uncounted: it goes to the new set instead.
func TestStaleRequestPicksFromNewSet(t *testing.T) {
	r := newTestRouter(t)
	var oldHits atomic.Int64
	old := startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		oldHits.Add(1)
		io.WriteString(w, "old")
	}))
	r.SetBackends("hello", []string{old})
	stale := r.current("hello")
	r.SetBackends("hello", []string{namedBackend(t, "new")})

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "http://hello.localhost/", nil)
	stale.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.String() != "new" || oldHits.Load() != 0 {
		t.Errorf("stale request got %d %q with %d hits on the removed backend, want 200 new and none", rec.Code, rec.Body, oldHits.Load())
	}

	r.SetBackends("hello", nil)
	rec = httptest.NewRecorder()
	stale.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "H14") {
		t.Errorf("stale request after the last backend went = %d %q, want 503 H14", rec.Code, rec.Body)
	}
}

// A deploy's cut-over, many times under load: start new backends, swap,
// drain the old ones, then close them. No request may fail.
func TestSwapDrainCloseUnderLoad(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	generation := func(g int) ([]*httptest.Server, []Backend) {
		srvs := make([]*httptest.Server, 2)
		backends := make([]Backend, len(srvs))
		for i := range srvs {
			srvs[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, "o")
				w.(http.Flusher).Flush() // keep the request in flight a little longer
				io.WriteString(w, "k")
			}))
			t.Cleanup(srvs[i].Close)
			backends[i] = Backend{Addr: srvs[i].Listener.Addr().String(), Name: fmt.Sprintf("web.%d", g*len(srvs)+i+1)}
		}
		return srvs, backends
	}
	live, backends := generation(0)
	r.SetBackendsNamed("hello", backends)

	const (
		workers  = 8
		swaps    = 20
		requests = 20000 // the bound on the hammer, should the swaps stall
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	t.Cleanup(client.CloseIdleConnections)
	var (
		sent, done, failed atomic.Int64
		firstErr           sync.Once
		stop               = make(chan struct{})
		progress           = make(chan struct{}, 1)
		wg                 sync.WaitGroup
	)
	fail := func(format string, args ...any) {
		failed.Add(1)
		firstErr.Do(func() { t.Errorf(format, args...) })
	}
	for range workers {
		wg.Go(func() {
			for sent.Add(1) <= requests {
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
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()

	for g := 1; g <= swaps; g++ {
		// Let a round of requests run against the current set first.
		for target := done.Load() + workers; done.Load() < target; {
			select {
			case <-progress:
			case <-workersDone:
				t.Fatalf("the hammer ran out of requests after %d swaps", g-1)
			}
		}
		next, backends := generation(g)
		old := r.Backends("hello")
		r.SetBackendsNamed("hello", backends)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := r.Drain(ctx, "hello", old)
		cancel()
		if err != nil {
			t.Fatalf("swap %d: %v", g, err)
		}
		for _, s := range live {
			s.Close()
		}
		live = next
	}
	close(stop)
	<-workersDone

	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during %d swaps with drain and close", n, done.Load(), swaps)
	}
	t.Logf("%d requests during %d swaps", done.Load(), swaps)
}

// ReverseProxy refuses a backend's switch to a protocol the client did not
// ask for, and leaves that connection open; it must not stay in flight.
func TestRefusedUpgradeIsNotLeftInFlight(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	old := startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: other\r\n\r\n")
		brw.Flush()
		io.Copy(io.Discard, brw) // until the router hangs up
	}))
	r.SetBackends("hello", []string{old})

	resp, body := do(t, srv, http.MethodGet, "hello.localhost", "/", nil, http.Header{"Connection": {"Upgrade"}, "Upgrade": {"echo"}})
	wantStatus(t, resp, body, http.StatusBadGateway)

	r.SetBackends("hello", []string{namedBackend(t, "new")})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Drain(ctx, "hello", []string{old}); err != nil {
		t.Errorf("Drain after a refused upgrade = %v, want nil", err)
	}
}
