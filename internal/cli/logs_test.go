package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
)

// logsStreamer serves fixed lines and follows with a channel per tail.
type logsStreamer struct {
	mu    sync.Mutex
	lines []api.LogLine
	subs  map[chan api.LogLine]api.LogFilter
	asked []logsAsked
}

// logsAsked is what a tail asked for.
type logsAsked struct {
	filter api.LogFilter
	n      int
	follow bool
}

func (s *logsStreamer) AppExists(_ context.Context, app string) (bool, error) {
	return app == "hello", nil
}

func logsMatch(f api.LogFilter, l api.LogLine) bool {
	return (f.Source == "" || f.Source == l.Source) &&
		(f.Process == "" || f.Process == l.Process || strings.HasPrefix(l.Process, f.Process+"."))
}

func (s *logsStreamer) Tail(ctx context.Context, _ string, f api.LogFilter, n int, follow bool) ([]api.LogLine, <-chan api.LogLine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, logsAsked{f, n, follow})
	var backlog []api.LogLine
	for _, l := range s.lines {
		if logsMatch(f, l) {
			backlog = append(backlog, l)
		}
	}
	backlog = backlog[max(0, len(backlog)-n):]
	if !follow {
		return backlog, nil
	}
	ch := make(chan api.LogLine, 10)
	s.subs[ch] = f
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.subs[ch]; ok {
			delete(s.subs, ch)
			close(ch)
		}
	})
	return backlog, ch
}

func (s *logsStreamer) publish(l api.LogLine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch, f := range s.subs {
		if logsMatch(f, l) {
			ch <- l
		}
	}
}

func (s *logsStreamer) followers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}

var logsT0 = time.Date(2026, 11, 26, 9, 0, 0, 123456000, time.UTC)

// startLogsDaemon serves the API with the logs route, registered after the
// others as paasd does, and points paasctl at it.
func startLogsDaemon(t *testing.T) *logsStreamer {
	t.Helper()
	isolate(t)
	s := &logsStreamer{subs: map[chan api.LogLine]api.LogFilter{}, lines: []api.LogLine{
		{Time: logsT0, App: "hello", Source: "paas", Process: "build", Message: "build started"},
		{Time: logsT0, App: "hello", Source: "app", Process: "web.1", Message: "listening on 5000"},
		{Time: logsT0, App: "hello", Source: "router", Message: "at=info status=200"},
		{Time: logsT0, App: "hello", Source: "app", Process: "worker.1", Message: "working"},
	}}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := mux.NewRouter()
	apiserver.Register(r, apiservertest.NewPlatform("hello"), logger)
	apiserver.RegisterLogs(r, s, logger)
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	t.Setenv(envToken, testToken)
	return s
}

// logsctl runs paasctl logs in-process, through the root command once it
// has logs, else through a root of its own.
func logsctl(ctx context.Context, args ...string) result {
	root := newRootCommand()
	if c, _, err := root.Find([]string{"logs"}); err != nil || c == root {
		g := &globals{}
		root = &cobra.Command{Use: "paasctl", SilenceErrors: true, SilenceUsage: true}
		root.PersistentFlags().StringVarP(&g.app, "app", "a", "", "app to act on")
		root.AddGroup(&cobra.Group{ID: groupApps, Title: "Apps:"})
		root.AddCommand(newLogsCommand(g))
	}
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(""))
	root.SetOut(&out)
	root.SetErr(&errOut)
	code := 0
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(&errOut, "paasctl: %s\n", describe(err))
		code = 1
	}
	return result{out.String(), errOut.String(), code}
}

func TestLogs(t *testing.T) {
	s := startLogsDaemon(t)
	ctx := context.Background()

	got := logsctl(ctx, "logs", "-a", "hello").mustSucceed(t)
	want := "2026-11-26T09:00:00.123456Z paas[build]: build started\n" +
		"2026-11-26T09:00:00.123456Z app[web.1]: listening on 5000\n" +
		"2026-11-26T09:00:00.123456Z router: at=info status=200\n" +
		"2026-11-26T09:00:00.123456Z app[worker.1]: working\n"
	if got != want {
		t.Errorf("paasctl logs printed\n%s\nwant\n%s", got, want)
	}

	got = logsctl(ctx, "logs", "-a", "hello", "-n", "1", "-p", "web", "-s", "app").mustSucceed(t)
	if got != "2026-11-26T09:00:00.123456Z app[web.1]: listening on 5000\n" {
		t.Errorf("filtered: %q", got)
	}
	got = logsctl(ctx, "logs", "-a", "hello", "--num", "2", "--source", "router", "--json").mustSucceed(t)
	var l api.LogLine
	if err := json.Unmarshal([]byte(got), &l); err != nil || l.Source != "router" || l.Message != "at=info status=200" || !l.Time.Equal(logsT0) {
		t.Errorf("--json printed %q (%v)", got, err)
	}
	wantAsked := []logsAsked{
		{n: 100},
		{filter: api.LogFilter{Source: "app", Process: "web"}, n: 1},
		{filter: api.LogFilter{Source: "router"}, n: 2},
	}
	if !slices.Equal(s.asked, wantAsked) {
		t.Errorf("tails asked %+v, want %+v", s.asked, wantAsked)
	}
}

func TestLogsRefusals(t *testing.T) {
	startLogsDaemon(t)
	ctx := context.Background()
	logsctl(ctx, "logs", "-a", "nobody").mustFail(t, `app "nobody" not found`, "paasctl apps")
	logsctl(ctx, "logs", "-a", "hello", "-n", "-1").mustFail(t, "-n -1")
	logsctl(ctx, "logs", "-a", "hello", "-s", "db").mustFail(t, `--source "db"`, "app, router, paas or addon")
	logsctl(ctx, "logs", "-a", "hello", "-p", "web..2").mustFail(t, `ps="web..2"`)
	logsctl(ctx, "logs", "-a", "hello", "extra").mustFail(t, "extra")
	logsctl(ctx, "logs").mustFail(t, "no app specified")
}

func TestLogsTail(t *testing.T) {
	s := startLogsDaemon(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	go func() { done <- logsctl(ctx, "logs", "-a", "hello", "-t", "-n", "0", "--ps", "web.1") }()
	deadline := time.Now().Add(10 * time.Second)
	for s.followers() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("paasctl logs -t did not start following")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.publish(api.LogLine{Time: logsT0, App: "hello", Source: "app", Process: "web.1", Message: "new line"})
	s.publish(api.LogLine{Time: logsT0, App: "hello", Source: "app", Process: "web.2", Message: "other process"})
	time.Sleep(100 * time.Millisecond)
	cancel() // Ctrl-C
	var r result
	select {
	case r = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("paasctl logs -t goes on after Ctrl-C")
	}
	if got := r.mustSucceed(t); got != "2026-11-26T09:00:00.123456Z app[web.1]: new line\n" {
		t.Errorf("paasctl logs -t printed %q", got)
	}
}
