package apiserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
)

// fakeStreamer keeps lines in memory and follows the way the log collector
// does.
type fakeStreamer struct {
	mu        sync.Mutex
	apps      map[string]bool
	lines     []api.LogLine
	subs      map[chan api.LogLine]api.LogFilter
	existsErr error
	tails     []fakeTail
}

type fakeTail struct {
	app    string
	filter api.LogFilter
	n      int
	follow bool
}

func newFakeStreamer(apps ...string) *fakeStreamer {
	s := &fakeStreamer{apps: map[string]bool{}, subs: map[chan api.LogLine]api.LogFilter{}}
	for _, a := range apps {
		s.apps[a] = true
	}
	return s
}

func (s *fakeStreamer) AppExists(_ context.Context, app string) (bool, error) {
	return s.apps[app], s.existsErr
}

func filterMatches(f api.LogFilter, l api.LogLine) bool {
	return (f.Source == "" || l.Source == f.Source) &&
		(f.Process == "" || l.Process == f.Process || strings.HasPrefix(l.Process, f.Process+"."))
}

func (s *fakeStreamer) Tail(ctx context.Context, app string, f api.LogFilter, n int, follow bool) ([]api.LogLine, <-chan api.LogLine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tails = append(s.tails, fakeTail{app, f, n, follow})
	var backlog []api.LogLine
	for _, l := range slices.Backward(s.lines) {
		if len(backlog) < n && l.App == app && filterMatches(f, l) {
			backlog = append(backlog, l)
		}
	}
	slices.Reverse(backlog)
	if !follow {
		return backlog, nil
	}
	ch := make(chan api.LogLine, 100)
	s.subs[ch] = f
	context.AfterFunc(ctx, func() { s.end(ch) })
	return backlog, ch
}

func (s *fakeStreamer) end(ch chan api.LogLine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[ch]; ok {
		delete(s.subs, ch)
		close(ch)
	}
}

func (s *fakeStreamer) endAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		delete(s.subs, ch)
		close(ch)
	}
}

func (s *fakeStreamer) publish(l api.LogLine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, l)
	for ch, f := range s.subs {
		if filterMatches(f, l) {
			ch <- l
		}
	}
}

func (s *fakeStreamer) followers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

func (s *fakeStreamer) lastTail() fakeTail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tails[len(s.tails)-1]
}

var logT0 = time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.UTC)

func logLine(app, source, process, msg string) api.LogLine {
	return api.LogLine{Time: logT0, App: app, Source: source, Process: process, Message: msg}
}

// newLogsServer serves Register's and RegisterLogs' routes, in that order,
// the way paasd does.
func newLogsServer(t *testing.T, s LogStreamer) (*api.Client, *httptest.Server) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := mux.NewRouter()
	Register(r, apiservertest.NewPlatform("hello"), logger)
	RegisterLogs(r, s, logger)
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	t.Cleanup(srv.Close)
	return api.NewClient(srv.URL, testToken), srv
}

func TestLogLineString(t *testing.T) {
	for _, tc := range []struct {
		line api.LogLine
		want string
	}{
		{logLine("hello", api.LogSourceApp, "web.1", "listening on 5000"), "2026-11-26T09:00:00.123456Z app[web.1]: listening on 5000"},
		{logLine("hello", api.LogSourceRouter, "", "at=info"), "2026-11-26T09:00:00.123456Z router: at=info"},
		{logLine("hello", api.LogSourcePaas, "release", "v2"), "2026-11-26T09:00:00.123456Z paas[release]: v2"},
	} {
		if got := tc.line.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestLogs(t *testing.T) {
	s := newFakeStreamer("hello")
	s.publish(logLine("hello", api.LogSourcePaas, "build", "build started"))
	s.publish(logLine("hello", api.LogSourceApp, "web.1", "one"))
	s.publish(logLine("hello", api.LogSourceApp, "web.2", "two <&>"))
	s.publish(logLine("hello", api.LogSourceRouter, "", "at=info"))
	s.publish(logLine("other", api.LogSourceApp, "web.1", "not hello"))
	c, _ := newLogsServer(t, s)

	for _, tc := range []struct {
		name string
		opts api.LogOptions
		want []string
	}{
		{"all", api.LogOptions{Lines: 100}, []string{"paas[build]: build started", "app[web.1]: one", "app[web.2]: two <&>", "router: at=info"}},
		{"last 2", api.LogOptions{Lines: 2}, []string{"app[web.2]: two <&>", "router: at=info"}},
		{"none", api.LogOptions{Lines: 0}, nil},
		{"process type", api.LogOptions{Lines: 100, Process: "web"}, []string{"app[web.1]: one", "app[web.2]: two <&>"}},
		{"process", api.LogOptions{Lines: 100, Process: "web.2"}, []string{"app[web.2]: two <&>"}},
		{"source", api.LogOptions{Lines: 100, Source: api.LogSourcePaas}, []string{"paas[build]: build started"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			if err := c.Logs(context.Background(), "hello", tc.opts, &out); err != nil {
				t.Fatal(err)
			}
			var want strings.Builder
			for _, w := range tc.want {
				want.WriteString("2026-11-26T09:00:00.123456Z " + w + "\n")
			}
			if out.String() != want.String() {
				t.Errorf("got\n%s\nwant\n%s", out.String(), want.String())
			}
		})
	}

	var out strings.Builder
	if err := c.Logs(context.Background(), "hello", api.LogOptions{Lines: 2, JSON: true}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"message":"two <&>"`) {
		t.Errorf("JSON lines escape HTML: %s", out.String())
	}
	var got []api.LogLine
	for line := range strings.Lines(out.String()) {
		var l api.LogLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", line, err)
		}
		got = append(got, l)
	}
	if want := []api.LogLine{s.lines[2], s.lines[3]}; !slices.EqualFunc(got, want, func(a, b api.LogLine) bool { return a.App == b.App && a.String() == b.String() }) {
		t.Errorf("JSON lines %+v, want %+v", got, want)
	}
}

func TestLogsQueryDefaults(t *testing.T) {
	s := newFakeStreamer("hello")
	_, srv := newLogsServer(t, s)
	resp := logsGet(t, srv.URL+"/apps/hello/logs")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if got := s.lastTail(); got != (fakeTail{app: "hello", n: api.DefaultLogLines}) {
		t.Errorf("tail %+v, want the last 100 lines of every source", got)
	}
	resp = logsGet(t, srv.URL+"/apps/hello/logs?n=5&tail=true&ps=worker&source=app&format=json")
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q", ct)
	}
	resp.Body.Close()
	if got := s.lastTail(); got != (fakeTail{app: "hello", filter: api.LogFilter{Source: "app", Process: "worker"}, n: 5, follow: true}) {
		t.Errorf("tail %+v", got)
	}
}

func logsGet(t *testing.T, url string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestLogsRefusals(t *testing.T) {
	s := newFakeStreamer("hello")
	_, srv := newLogsServer(t, s)
	for _, tc := range []struct {
		method, path string
		status       int
		id, message  string
	}{
		{"GET", "/apps/nobody/logs", 404, api.IDNotFound, `app "nobody" not found`},
		{"GET", "/apps/hello/logs?n=-1", 400, api.IDBadRequest, "n="},
		{"GET", "/apps/hello/logs?n=ten", 400, api.IDBadRequest, "n="},
		{"GET", "/apps/hello/logs?tail=maybe", 400, api.IDBadRequest, "tail="},
		{"GET", "/apps/hello/logs?source=db", 400, api.IDBadRequest, "use app, router, paas or addon"},
		{"GET", "/apps/hello/logs?ps=web..1", 400, api.IDBadRequest, "ps="},
		{"GET", "/apps/hello/logs?ps=../x", 400, api.IDBadRequest, "ps="},
		{"GET", "/apps/hello/logs?format=xml", 400, api.IDBadRequest, "format"},
		{"GET", "/apps/hello/logs?lines=5", 400, api.IDBadRequest, `unknown parameter "lines"`},
		{"POST", "/apps/hello/logs", 405, api.IDMethodNotAllowed, "use GET"},
		{"GET", "/apps/hello/logz", 404, api.IDNotFound, "no API route"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e api.Error
		decodeErr := json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.status || decodeErr != nil || e.ID != tc.id || !strings.Contains(e.Message, tc.message) {
			t.Errorf("%s %s: %d %+v (%v), want %d %s with %q", tc.method, tc.path, resp.StatusCode, e, decodeErr, tc.status, tc.id, tc.message)
		}
	}

	s.existsErr = errors.New("ledger unreadable")
	resp := logsGet(t, srv.URL+"/apps/hello/logs")
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("a failing app lookup answers %d", resp.StatusCode)
	}
}

// The logs route works whether paasd registers it before or after Register,
// which answers unknown paths itself.
func TestRegisterLogsOrder(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, before := range []bool{true, false} {
		r := mux.NewRouter()
		if before {
			RegisterLogs(r, newFakeStreamer("hello"), logger)
		}
		Register(r, apiservertest.NewPlatform("hello"), logger)
		if !before {
			RegisterLogs(r, newFakeStreamer("hello"), logger)
		}
		for path, want := range map[string]int{"/apps/hello/logs": 200, "/apps/hello": 200, "/v1/nothing": 404} {
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != want {
				t.Errorf("registered before Register %v: GET %s answers %d, want %d", before, path, rec.Code, want)
			}
		}
	}
}

// logsBuffer is written by the client while the test reads it.
type logsBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *logsBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *logsBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestLogsTail(t *testing.T) {
	s := newFakeStreamer("hello")
	s.publish(logLine("hello", api.LogSourceApp, "web.1", "before"))
	c, _ := newLogsServer(t, s)
	const timeout = 200 * time.Millisecond
	c.SetTimeout(timeout) // a tail outlives the timeout

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out logsBuffer
	done := make(chan error, 1)
	go func() { done <- c.Logs(ctx, "hello", api.LogOptions{Lines: 10, Tail: true, Process: "web"}, &out) }()
	logsWaitUntil(t, "the tail to follow", func() bool { return s.followers() == 1 })
	time.Sleep(2 * timeout)

	published := time.Now()
	s.publish(logLine("hello", api.LogSourceApp, "web.2", "after"))
	s.publish(logLine("hello", api.LogSourceApp, "worker.1", "filtered out"))
	logsWaitUntil(t, "the new line", func() bool { return strings.Contains(out.String(), "app[web.2]: after") })
	if d := time.Since(published); d > time.Second {
		t.Errorf("the new line took %s", d)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Logs ended with %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Logs goes on after its context ended")
	}
	want := "2026-11-26T09:00:00.123456Z app[web.1]: before\n2026-11-26T09:00:00.123456Z app[web.2]: after\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	logsWaitUntil(t, "the server to drop the follower", func() bool { return s.followers() == 0 })
}

func TestLogsTailEndedByTheServer(t *testing.T) {
	s := newFakeStreamer("hello")
	c, srv := newLogsServer(t, s)
	done := make(chan error, 1)
	go func() { done <- c.Logs(context.Background(), "hello", api.LogOptions{Tail: true}, io.Discard) }()
	logsWaitUntil(t, "the tail to follow", func() bool { return s.followers() == 1 })
	s.endAll()
	select {
	case err := <-done:
		if !errors.Is(err, api.ErrLogStreamEnded) {
			t.Errorf("Logs ended with %v, want ErrLogStreamEnded", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Logs goes on after the stream ended")
	}

	// Streamed responses are chunked and flushed line by line.
	resp := logsGet(t, srv.URL+"/apps/hello/logs?tail=1&n=0")
	defer resp.Body.Close()
	if len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("transfer encoding %v, want chunked", resp.TransferEncoding)
	}
	logsWaitUntil(t, "the tail to follow", func() bool { return s.followers() == 1 })
	s.publish(logLine("hello", api.LogSourceRouter, "", "first"))
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "2026-11-26T09:00:00.123456Z router: first\n" {
		t.Errorf("read %q, %v", line, err)
	}
}

func TestLogsErrors(t *testing.T) {
	s := newFakeStreamer("hello")
	c, _ := newLogsServer(t, s)
	err := c.Logs(context.Background(), "nobody", api.LogOptions{Lines: 1}, io.Discard)
	if !api.IsNotFound(err) {
		t.Errorf("unknown app: %v", err)
	}

	// No answer within the timeout.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer slow.Close()
	c = api.NewClient(slow.URL, testToken)
	c.SetTimeout(100 * time.Millisecond)
	err = c.Logs(context.Background(), "hello", api.LogOptions{Tail: true}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Errorf("a silent server: %v", err)
	}
}

func logsWaitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A log session's URL streams without the token, plain or as events, ends
// after the history without tail, and is refused once unknown.
func TestLogSessions(t *testing.T) {
	s := newFakeStreamer("hello")
	s.publish(logLine("hello", api.LogSourceApp, "web.1", "first"))
	s.publish(logLine("hello", api.LogSourceRouter, "", "at=info"))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := mux.NewRouter()
	Register(r, apiservertest.NewPlatform("hello"), logger)
	RegisterLogs(r, s, logger)
	guarded := auth.Middleware(testToken)(r)
	// As paasd serves them: a session's URL past the token check.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.HasPrefix(req.URL.Path, LogSessionPath) {
			r.ServeHTTP(w, req)
			return
		}
		guarded.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)

	resp := send(t, srv, http.MethodPost, "/apps/hello/log-sessions", `{"lines": 10, "source": "app", "dyno": "web"}`)
	var ls api.LogSession
	if err := json.NewDecoder(resp.Body).Decode(&ls); err != nil || resp.StatusCode != http.StatusCreated || !strings.HasPrefix(ls.LogplexURL, srv.URL+LogSessionPath) {
		t.Fatalf("POST log-sessions: %d %+v %v", resp.StatusCode, ls, err)
	}
	// No Authorization: the URL's secret is enough.
	got, err := http.Get(ls.LogplexURL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != http.StatusOK || !strings.HasSuffix(string(b), " app[web.1]: first\n") || strings.Contains(string(b), "at=info") {
		t.Errorf("GET the session: %d %q", got.StatusCode, b)
	}
	req, _ := http.NewRequest(http.MethodGet, ls.LogplexURL, nil)
	req.Header.Set("Accept", "text/event-stream")
	got, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(got.Body)
	got.Body.Close()
	if got.Header.Get("Content-Type") != "text/event-stream" || !strings.HasPrefix(string(b), "data: ") || !strings.HasSuffix(string(b), "first\n\n") {
		t.Errorf("GET the session as events: %q %q", got.Header.Get("Content-Type"), b)
	}
	if got, _ := http.Get(srv.URL + LogSessionPath + strings.Repeat("0", 64)); got.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown session: %d, want 404", got.StatusCode)
	}
	for body, want := range map[string]string{
		`{"lines": 5000}`:    "lines is 5000",
		`{"source": "db"}`:   `source "db"`,
		`{"dyno": "../etc"}`: `dyno "../etc"`,
		`{"lines": "ten"}`:   `field "lines" must be`,
	} {
		resp := send(t, srv, http.MethodPost, "/apps/hello/log-sessions", body)
		if e := decodeError(t, resp); !isRefusal(resp.StatusCode, e.ID) || !strings.Contains(e.Message, want) {
			t.Errorf("POST %s: %d %q, want 400 with %q", body, resp.StatusCode, e.Message, want)
		}
	}
	if resp := send(t, srv, http.MethodPost, "/apps/nobody/log-sessions", `{}`); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown app: %d, want 404", resp.StatusCode)
	}
}
