package router

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lineLog collects request log lines; each arrives after its response.
type lineLog chan string

func (l lineLog) RouterLine(app, line string) { l <- app + ": " + line }

func newLineLog(t *testing.T, r *Router) lineLog {
	t.Helper()
	l := make(lineLog, 16)
	r.SetRequestLog(l)
	return l
}

var fieldPattern = regexp.MustCompile(`(\w+)=("(?:[^"\\]|\\.)*"|\S*)`)

// fields splits a log line into its key=value pairs, quotes kept.
func fields(t *testing.T, line string) map[string]string {
	t.Helper()
	f := map[string]string{}
	for _, m := range fieldPattern.FindAllStringSubmatch(line, -1) {
		f[m[1]] = m[2]
	}
	return f
}

// wantLine fails the test unless the next line is for app, has want's fields
// and timings in whole milliseconds, and lists its fields in Heroku's order.
func wantLine(t *testing.T, l lineLog, app string, want map[string]string) {
	t.Helper()
	line := within(t, l, "the request log line")
	prefix := app + ": "
	if !strings.HasPrefix(line, prefix) {
		t.Fatalf("line %q is not for app %s", line, app)
	}
	line = strings.TrimPrefix(line, prefix)
	got := fields(t, line)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s=%s, want %s in %q", k, got[k], v, line)
		}
	}
	for _, k := range []string{"connect", "service"} {
		if !regexp.MustCompile(`^\d+ms$`).MatchString(got[k]) {
			t.Errorf("%s=%s, want milliseconds in %q", k, got[k], line)
		}
	}
	order := regexp.MustCompile(`^at=\w+ (code=H\d\d desc="[^"]+" )?method=\S+ path="(?:[^"\\]|\\.)*" host=\S+ request_id=\S+ fwd="(?:[^"\\]|\\.)*" dyno=\S* connect=\d+ms service=\d+ms status=\d+ bytes=\d+$`)
	if !order.MatchString(line) {
		t.Errorf("line %q is not in Heroku's format", line)
	}
}

func TestRequestLogLine(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	lines := newLineLog(t, r)
	r.SetBackendsNamed("hello", []Backend{{Addr: startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "made it")
	})), Name: "web.2"}})

	id := "abcdefghijklmnopqrstuvwxyz"
	resp, body := do(t, srv, http.MethodPost, "hello.localhost:8080", `/things?x="1"`, strings.NewReader("payload"), http.Header{
		headerRequestID:   {id},
		"X-Forwarded-For": {"203.0.113.9"},
	})
	wantStatus(t, resp, body, http.StatusCreated)
	wantLine(t, lines, "hello", map[string]string{
		"at":         "info",
		"method":     "POST",
		"path":       `"/things?x=\"1\""`,
		"host":       "hello.localhost:8080",
		"request_id": id,
		"fwd":        `"203.0.113.9, 127.0.0.1"`,
		"dyno":       "web.2",
		"status":     "201",
		"bytes":      strconv.Itoa(len(body)),
	})

	// A generated id is the one the client gets back.
	resp, body = get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusCreated)
	wantLine(t, lines, "hello", map[string]string{"request_id": resp.Header.Get(headerRequestID), "fwd": `"127.0.0.1"`})
}

func TestRequestLogDynoDefaultsToAddress(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	lines := newLineLog(t, r)
	addr := namedBackend(t, "web.1")
	r.SetBackends("hello", []string{addr})

	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusOK)
	wantLine(t, lines, "hello", map[string]string{"dyno": addr, "status": "200", "bytes": "5"})
}

func TestRequestLogErrors(t *testing.T) {
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	tests := []struct {
		name     string
		backends func(t *testing.T) []Backend
		status   int
		code     string
		desc     string
		dyno     string
	}{
		{"no web processes", func(*testing.T) []Backend { return nil },
			http.StatusServiceUnavailable, "H14", "No web processes running", ""},
		{"connection refused", func(t *testing.T) []Backend { return []Backend{{deadAddr(t), "web.1"}} },
			http.StatusBadGateway, "H19", "Backend connection failed", "web.1"},
		{"closed without response", func(t *testing.T) []Backend {
			return []Backend{{startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
					conn.Close()
				}
			})), "web.3"}}
		}, http.StatusBadGateway, "H13", "Connection closed without response", "web.3"},
		{"timeout", func(t *testing.T) []Backend {
			return []Backend{{startBackend(t, http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) {
				select {
				case <-req.Context().Done():
				case <-stuck:
				}
			})), "web.4"}}
		}, http.StatusGatewayTimeout, "H12", "Request timeout", "web.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRouter(t)
			r.SetTimeout(100 * time.Millisecond)
			srv := serve(t, r)
			lines := newLineLog(t, r)
			r.AddApp("hello")
			r.SetBackendsNamed("hello", tt.backends(t))

			resp, body := get(t, srv, "hello.localhost")
			wantStatus(t, resp, body, tt.status, tt.code)
			wantLine(t, lines, "hello", map[string]string{
				"at":         "error",
				"code":       tt.code,
				"desc":       strconv.Quote(tt.desc),
				"request_id": resp.Header.Get(headerRequestID),
				"fwd":        `"127.0.0.1"`,
				"dyno":       tt.dyno,
				"status":     strconv.Itoa(tt.status),
				"bytes":      strconv.Itoa(len(body)),
			})
		})
	}
}

func TestRequestLogClientGone(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	lines := newLineLog(t, r)
	started := make(chan struct{})
	r.SetBackendsNamed("hello", []Backend{{startBackend(t, http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) {
		close(started)
		<-req.Context().Done()
	})), "web.1"}})

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	req.Host = "hello.localhost"
	go func() {
		<-started
		cancel()
	}()
	if _, err := srv.Client().Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("request error = %v, want context canceled", err)
	}
	wantLine(t, lines, "hello", map[string]string{"at": "info", "code": "H27", "status": "499", "dyno": "web.1"})
}

func TestRequestLogUnknownHostHasNoLine(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	lines := newLineLog(t, r)
	r.SetBackends("hello", []string{namedBackend(t, "web.1")})

	resp, body := get(t, srv, "nobody.localhost")
	wantStatus(t, resp, body, http.StatusNotFound)
	resp, body = get(t, srv, "hello.localhost") // lines keep request order here
	wantStatus(t, resp, body, http.StatusOK)
	wantLine(t, lines, "hello", map[string]string{"status": "200"})

	r.SetRequestLog(nil)
	resp, body = get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusOK)
	select {
	case line := <-lines:
		t.Errorf("line %q after SetRequestLog(nil)", line)
	default:
	}
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

type discardLines struct{}

func (discardLines) RouterLine(string, string) {}

// Without a RequestLog the router must cost a request nothing for logging:
// here the router's own answer allocates what answering directly does.
func TestNoRequestLogCostsNothing(t *testing.T) {
	r := New("localhost", slog.New(slog.DiscardHandler))
	r.AddApp("idle")
	req := httptest.NewRequest(http.MethodGet, "http://idle.localhost/", nil)
	req.Header.Set(headerRequestID, "abcdefghijklmnopqrstuvwxyz")
	w := &discardWriter{h: http.Header{}}

	direct := allocsPerRun(func() { clear(w.h); writeNoBackends(w, req, "idle") })
	routed := allocsPerRun(func() { clear(w.h); r.ServeHTTP(w, req) })
	if routed-direct > 0.5 {
		t.Errorf("routing without a request log allocates %.2f per request, answering directly %.2f", routed, direct)
	}
	r.SetRequestLog(discardLines{})
	logged := allocsPerRun(func() { clear(w.h); r.ServeHTTP(w, req) })
	t.Logf("allocations per request: direct %.2f, routed %.2f, routed and logged %.2f", direct, routed, logged)
}

// allocsPerRun is testing.AllocsPerRun without its rounding down: the race
// detector makes sync.Pool drop items at random, so counts are averages
// (one allocation more is a difference of 1, the noise about 0.03).
func allocsPerRun(f func()) float64 {
	const runs = 2000
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f() // warm up
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.Mallocs-before.Mallocs) / runs
}
