package platform

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paas-dev/paas/internal/releases"
)

// recordingRoutes is the router's table as the platform leaves it.
type recordingRoutes struct {
	mu          sync.Mutex
	apps        map[string]bool
	domains     map[string][]string
	maintenance map[string]bool
}

func newRecordingRoutes() *recordingRoutes {
	return &recordingRoutes{apps: map[string]bool{}, domains: map[string][]string{}, maintenance: map[string]bool{}}
}

func (r *recordingRoutes) AddApp(app string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.apps[app] = true
}

func (r *recordingRoutes) SetMaintenance(app string, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.maintenance[app] = on
}

func (r *recordingRoutes) SetHTTPS(string, bool, bool) {}

func (r *recordingRoutes) RemoveApp(app string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.apps, app)
	delete(r.domains, app)
}

func (r *recordingRoutes) SetDomains(app string, ds []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.apps[app] = true
	r.domains[app] = slices.Clone(ds)
}

func (r *recordingRoutes) routed() (map[string]bool, map[string][]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.apps), maps.Clone(r.domains)
}

// recordingLogs keeps the platform events.
type recordingLogs struct {
	mu    sync.Mutex
	lines []string
}

func (l *recordingLogs) Platform(app, process, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, app+" paas["+process+"]: "+message)
}

func (l *recordingLogs) Forget(string) {}

func (l *recordingLogs) Know(string) {}

func (l *recordingLogs) AddonStarted(string, string, string) {}

func (l *recordingLogs) AddonStopped(string, string) {}

func (l *recordingLogs) Rename(old, new string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, "renamed "+old+" to "+new)
	return nil
}

func (l *recordingLogs) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// domainFixture is a fixture whose routes and logs record, serving apps
// under localhost.
func domainFixture(t *testing.T) (*fixture, *recordingRoutes, *recordingLogs) {
	t.Helper()
	f := newFixture(t, 10)
	routes, logs := newRecordingRoutes(), &recordingLogs{}
	f.p.routes = routes
	f.p.opts.Logs = logs
	f.p.opts.Domain = "localhost"
	return f, routes, logs
}

func TestAddAndRemoveDomain(t *testing.T) {
	f, routes, logs := domainFixture(t)
	f.createApp(t, "hello")
	ctx := context.Background()

	ds, err := f.p.AddDomain(ctx, "hello", "WWW.Example.com.")
	if err != nil || !slices.Equal(ds, []string{"www.example.com"}) {
		t.Fatalf("AddDomain = %v, %v", ds, err)
	}
	if ds, err = f.p.AddDomain(ctx, "hello", "*.example.com"); err != nil {
		t.Fatal(err)
	}
	want := []string{"*.example.com", "www.example.com"}
	if !slices.Equal(ds, want) {
		t.Fatalf("AddDomain of a second domain = %v, want %v", ds, want)
	}
	if _, got := routes.routed(); !slices.Equal(got["hello"], want) {
		t.Fatalf("routed domains = %v, want %v", got, want)
	}
	if got, err := f.p.Domains(ctx, "hello"); err != nil || !slices.Equal(got, want) {
		t.Fatalf("Domains = %v, %v", got, err)
	}

	if ds, err = f.p.RemoveDomain(ctx, "hello", "www.EXAMPLE.com"); err != nil || !slices.Equal(ds, []string{"*.example.com"}) {
		t.Fatalf("RemoveDomain = %v, %v", ds, err)
	}
	if _, got := routes.routed(); !slices.Equal(got["hello"], []string{"*.example.com"}) {
		t.Fatalf("routed domains after removal = %v", got)
	}
	wantLogs := []string{
		"hello paas[api]: Added domain www.example.com",
		"hello paas[api]: Added domain *.example.com",
		"hello paas[api]: Removed domain www.example.com",
	}
	if got := logs.all(); !slices.Equal(got, wantLogs) {
		t.Errorf("platform log lines = %q, want %q", got, wantLogs)
	}
}

func TestAddDomainRefusals(t *testing.T) {
	f, routes, logs := domainFixture(t)
	f.createApp(t, "hello")
	f.createApp(t, "other")
	ctx := context.Background()
	if _, err := f.p.AddDomain(ctx, "other", "www.example.com"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		app, domain string
		is          error
		want        string
	}{
		{"hello", "www.example.com", releases.ErrExists, "already used by app other"},
		{"hello", "hello.localhost", releases.ErrInvalid, "platform's own domain localhost"},
		{"hello", "*.localhost", releases.ErrInvalid, "two labels"},
		{"hello", "192.168.1.10", releases.ErrInvalid, "IP address"},
		{"hello", "bad_name.example.com", releases.ErrInvalid, "letters, digits and dashes"},
		{"nope", "www.example.org", releases.ErrNotFound, "nope"},
		{"../etc", "www.example.org", releases.ErrInvalid, "app name"},
	}
	for _, tt := range tests {
		_, err := f.p.AddDomain(ctx, tt.app, tt.domain)
		if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("AddDomain(%s, %s) = %v, want %v saying %q", tt.app, tt.domain, err, tt.is, tt.want)
		}
	}
	if _, got := routes.routed(); len(got["hello"]) != 0 {
		t.Errorf("refused domains were routed: %v", got)
	}
	if n := len(logs.all()); n != 1 {
		t.Errorf("refusals logged platform events: %q", logs.all())
	}
	if _, err := f.p.RemoveDomain(ctx, "hello", "www.example.com"); !errors.Is(err, releases.ErrNotFound) {
		t.Errorf("removing another app's domain: %v", err)
	}
}

func TestDestroyAppUnroutesDomains(t *testing.T) {
	f, routes, _ := domainFixture(t)
	f.createApp(t, "hello")
	ctx := context.Background()
	if _, err := f.p.AddDomain(ctx, "hello", "www.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := f.p.DestroyApp(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	if apps, ds := routes.routed(); apps["hello"] || ds["hello"] != nil {
		t.Fatalf("after destroy the router still has %v %v", apps, ds)
	}
	if all, _ := f.store.AllDomains(); len(all) != 0 {
		t.Fatalf("after destroy the ledger still has %v", all)
	}
	f.createApp(t, "other")
	if _, err := f.p.AddDomain(ctx, "other", "www.example.com"); err != nil {
		t.Fatalf("a destroyed app's domain is still taken: %v", err)
	}
}

func TestRestoreRoutesDomains(t *testing.T) {
	f, _, _ := domainFixture(t)
	f.createApp(t, "hello")
	f.createApp(t, "other")
	f.createApp(t, "plain")
	for app, ds := range map[string][]string{"hello": {"www.example.com", "*.example.com"}, "other": {"shop.example.org"}} {
		for _, d := range ds {
			if _, err := f.store.AddDomain(app, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	// As at start-up: a fresh router, filled from the ledger.
	routes := newRecordingRoutes()
	f.p.routes = routes
	if err := f.p.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	apps, ds := routes.routed()
	if !apps["hello"] || !apps["other"] || !apps["plain"] {
		t.Errorf("restored apps = %v", apps)
	}
	want := map[string][]string{"hello": {"*.example.com", "www.example.com"}, "other": {"shop.example.org"}}
	if !maps.EqualFunc(ds, want, slices.Equal) {
		t.Errorf("restored domains = %v, want %v", ds, want)
	}
}
