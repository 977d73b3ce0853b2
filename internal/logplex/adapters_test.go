package logplex_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/logplex"
)

// The API's adapters (internal/apiserver) over a real Logplex, as paasd
// wires them; an external test package, as apiserver imports logplex.

// The API's logs route served by a Logplex: what paasd wires.
func TestStreamerServesTheLogsRoute(t *testing.T) {
	p := logplex.NewForTest(t, logplex.Options{})
	p.Platform("hello", "build", "build started")
	p.Publish(logplex.Line{App: "hello", Source: logplex.SourceApp, Process: "web.1", Message: "listening"})
	r := mux.NewRouter()
	apiserver.RegisterLogs(r, apiserver.LogsFrom(p, func(_ context.Context, app string) (bool, error) { return app == "hello", nil }), logplex.QuietLogger())
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
	go func() {
		done <- c.Logs(ctx, "hello", api.LogOptions{Lines: 1, Tail: true, Process: "web"}, &tail)
	}()
	logplex.WaitFor(t, "the backlog", func() bool { return strings.Contains(tail.String(), "listening") })
	p.Publish(logplex.Line{App: "hello", Source: logplex.SourceApp, Process: "web.2", Message: "new"})
	logplex.WaitFor(t, "the new line", func() bool { return strings.Contains(tail.String(), " app[web.2]: new\n") })
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

// The API's drains routes served by a Logplex: what paasd wires.
func TestDrainStoreServesTheDrainsRoutes(t *testing.T) {
	p := logplex.NewForTest(t, logplex.Options{AllowPrivateDrains: true})
	logplex.FastDrains(p)
	r := mux.NewRouter()
	apiserver.RegisterDrains(r, apiserver.DrainsFrom(p), apiservertest.NewPlatform("hello"), logplex.QuietLogger())
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	c := api.NewClient(srv.URL, "")
	ctx := context.Background()

	d, err := c.AddDrain(ctx, "hello", "https://ada:s3cret@127.0.0.1:1/in")
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != "https://xxxxx@127.0.0.1:1/in" || !strings.HasPrefix(d.Token, "d.") || d.ID == "" {
		t.Errorf("added %+v", d)
	}
	status := func(err error) int {
		var e *api.Error
		if errors.As(err, &e) {
			return e.StatusCode
		}
		return 0
	}
	_, err = c.AddDrain(ctx, "hello", "https://ada:s3cret@127.0.0.1:1/in")
	if status(err) != http.StatusConflict || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the same again: %v", err)
	}
	if _, err := c.AddDrain(ctx, "hello", "ftp://x"); status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "syslog+tls://HOST:PORT") {
		t.Errorf("invalid: %v", err)
	}
	if _, err := c.AddDrain(ctx, "nobody", "https://127.0.0.1:1/in"); status(err) != http.StatusNotFound {
		t.Errorf("unknown app: %v", err)
	}
	logplex.WaitFor(t, "the failure", func() bool {
		drains, err := c.Drains(ctx, "hello")
		return err == nil && len(drains) == 1 && drains[0].LastErrorAt != nil && drains[0].LastError != ""
	})
	if err := c.RemoveDrain(ctx, "hello", "d.nothing"); status(err) != http.StatusNotFound {
		t.Errorf("unknown drain: %v", err)
	}
	if err := c.RemoveDrain(ctx, "hello", "https://ada:s3cret@127.0.0.1:1/in"); err != nil {
		t.Fatal(err)
	}
	if drains, err := c.Drains(ctx, "hello"); err != nil || len(drains) != 0 {
		t.Errorf("after removal: %v %v", drains, err)
	}
}

// A drain add that reaches the log collector after the app's destroy must not
// survive into the next app of that name.
func TestDrainAddedAfterDestroyIsRefused(t *testing.T) {
	url := "syslog+tcp://" + logplex.SyslogServerAddr(t) // loopback only
	p := logplex.NewForTest(t, logplex.Options{Dir: t.TempDir(), AllowPrivateDrains: true})
	// The API handler found the app before the destroy.
	store := apiserver.DrainsFrom(p)
	p.Forget("hello")
	_, err := store.AddDrain(context.Background(), "hello", url)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Errorf("AddDrain after the destroy = %v, want a 404 saying the app was destroyed", err)
	}
	p.Know("hello") // created again
	if got := p.Drains("hello"); len(got) != 0 {
		t.Fatalf("the new app inherited drains: %+v", got)
	}
	if _, err := store.AddDrain(context.Background(), "hello", url); err != nil {
		t.Errorf("AddDrain to the new app: %v", err)
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
