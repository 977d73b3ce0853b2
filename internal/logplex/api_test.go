package logplex

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver"
)

func TestAPILineFormatIsLineFormat(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.UTC)
	for _, l := range []Line{
		{Time: at, App: "hello", Source: SourceApp, Process: "web.1", Message: "listening"},
		{Time: at, App: "hello", Source: SourceRouter, Message: "at=info"},
		{Time: at, App: "hello", Source: SourcePaas, Process: "release", Message: ""},
	} {
		if got, want := apiLine(l).String(), l.String(); got != want {
			t.Errorf("api.LogLine prints %q, Line prints %q", got, want)
		}
	}
}

type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuilder) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuilder) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// The API's logs route served by a Logplex: what paasd wires.
func TestStreamerServesTheLogsRoute(t *testing.T) {
	p := newLogplex(t, Options{})
	p.Platform("hello", "build", "build started")
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "listening"})
	r := mux.NewRouter()
	apiserver.RegisterLogs(r, p.Streamer(func(_ context.Context, app string) (bool, error) { return app == "hello", nil }), quietLogger())
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	c := api.NewClient(srv.URL, "")

	var out strings.Builder
	if err := c.Logs(context.Background(), "hello", api.LogOptions{Lines: 10, Source: "paas"}, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasSuffix(got, " paas[build]: build started\n") || strings.Count(got, "\n") != 1 {
		t.Errorf("got %q", got)
	}
	if err := c.Logs(context.Background(), "nobody", api.LogOptions{}, &out); !api.IsNotFound(err) {
		t.Errorf("unknown app: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var tail lockedBuilder
	done := make(chan error, 1)
	go func() { done <- c.Logs(ctx, "hello", api.LogOptions{Lines: 1, Tail: true, Process: "web"}, &tail) }()
	waitFor(t, "the backlog", func() bool { return strings.Contains(tail.String(), "listening") })
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.2", Message: "new"})
	waitFor(t, "the new line", func() bool { return strings.Contains(tail.String(), " app[web.2]: new\n") })
	p.EndTails() // as paasd does on shutdown
	select {
	case err := <-done:
		if err != api.ErrLogStreamEnded {
			t.Errorf("Logs ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the tail did not end with EndTails")
	}
}
