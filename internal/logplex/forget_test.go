package logplex

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/paas-dev/paas/api"
)

// Lines that come for an app after its destroy (a build that was stopped,
// a process being stopped) must not start a new spool for it.
func TestLateLinesOfAForgottenAppAreDropped(t *testing.T) {
	dir := t.TempDir()
	p := newLogplex(t, Options{Dir: dir})
	p.Platform("hello", "api", "app created")
	p.Forget("hello")
	p.Platform("hello", "build", "Build failed: the app was destroyed")
	if n := len(backlog(p, "hello")); n != 0 {
		t.Errorf("a forgotten app has %d lines", n)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, spoolFile("hello"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a late line of a destroyed app recreated its log file: %v", err)
	}

	// An app created again under the name has its log.
	p = newLogplex(t, Options{Dir: dir})
	p.Forget("hello")
	p.Know("hello")
	p.Platform("hello", "api", "app created again")
	if n := len(backlog(p, "hello")); n != 1 {
		t.Errorf("the new app has %d lines, want 1", n)
	}
}

// A drain add that reaches the log collector after the app's destroy must not
// survive into the next app of that name.
func TestDrainAddedAfterDestroyIsRefused(t *testing.T) {
	srv := startSyslogServer(t, listenTCP(t, "127.0.0.1:0"), false) // loopback only
	url := "syslog+tcp://" + srv.addr()
	p := newLogplex(t, Options{Dir: t.TempDir(), AllowPrivateDrains: true})
	// The API handler found the app before the destroy.
	store := p.DrainStore()
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
