package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/releases"
)

// The fake's custom domains: validated as the platform does, one app each.

func (f *fakePlatform) Domains(_ context.Context, app string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return nil, err
	}
	return slices.Clone(f.domains[app]), nil
}

func (f *fakePlatform) AddDomain(_ context.Context, app, domain string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return nil, err
	}
	d, err := releases.NormalizeDomain(domain, "localhost")
	if err != nil {
		return nil, err
	}
	for owner, ds := range f.domains {
		if slices.Contains(ds, d) {
			return nil, fmt.Errorf("domain %s: %w: it is already used by app %s; remove it from there first", d, releases.ErrExists, owner)
		}
	}
	if f.domains == nil {
		f.domains = map[string][]string{}
	}
	f.domains[app] = append(f.domains[app], d)
	slices.Sort(f.domains[app])
	return slices.Clone(f.domains[app]), nil
}

func (f *fakePlatform) RemoveDomain(_ context.Context, app, domain string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return nil, err
	}
	i := slices.Index(f.domains[app], strings.ToLower(domain))
	if i < 0 {
		return nil, fmt.Errorf("domain %s: %w on app %s", domain, releases.ErrNotFound, app)
	}
	f.domains[app] = slices.Delete(f.domains[app], i, i+1)
	return slices.Clone(f.domains[app]), nil
}

func (f *fakePlatform) domainsOf(app string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.domains[app])
}

func TestDomainsLifecycle(t *testing.T) {
	fake := newFakePlatform(fakeApp("hello"), fakeApp("other"))
	startDaemon(t, fake)

	out := paasctl(t, "", "domains", "-a", "hello").mustSucceed(t)
	want := "=== hello Domains\n" +
		"hello.localhost  (default)\n" +
		"\nhello has no custom domains: add one with paasctl domains:add www.example.com -a hello\n"
	if out != want {
		t.Errorf("domains of a new app printed\n%s\nwant\n%s", out, want)
	}

	out = paasctl(t, "", "domains:add", "WWW.example.com", "-a", "hello").mustSucceed(t)
	if !strings.HasPrefix(out, "Adding WWW.example.com to hello... done\n") || !strings.Contains(out, "Point the DNS of WWW.example.com") {
		t.Errorf("domains:add printed %q", out)
	}
	paasctl(t, "", "domains:add", "*.example.com", "-a", "hello").mustSucceed(t)
	if got := fake.domainsOf("hello"); !slices.Equal(got, []string{"*.example.com", "www.example.com"}) {
		t.Fatalf("platform has %v", got)
	}

	out = paasctl(t, "", "domains", "-a", "hello").mustSucceed(t)
	want = "=== hello Domains\n" +
		"hello.localhost  (default)\n" +
		"*.example.com\n" +
		"www.example.com\n"
	if out != want {
		t.Errorf("domains printed\n%s\nwant\n%s", out, want)
	}

	var got domainsJSON
	out = paasctl(t, "", "domains", "-a", "hello", "--json").mustSucceed(t)
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.App != "hello" || got.Default != "hello.localhost" ||
		!slices.Equal(got.Custom, []string{"*.example.com", "www.example.com"}) {
		t.Errorf("domains --json = %+v, %v:\n%s", got, err, out)
	}

	out = paasctl(t, "", "domains:remove", "*.example.com", "-a", "hello").mustSucceed(t)
	if out != "Removing *.example.com from hello... done\n" {
		t.Errorf("domains:remove printed %q", out)
	}
	if got := fake.domainsOf("hello"); !slices.Equal(got, []string{"www.example.com"}) {
		t.Fatalf("after remove the platform has %v", got)
	}
}

func TestDomainsJSONEmpty(t *testing.T) {
	startDaemon(t, newFakePlatform(fakeApp("hello")))
	out := paasctl(t, "", "domains", "-a", "hello", "--json").mustSucceed(t)
	if !strings.Contains(out, `"custom": []`) {
		t.Errorf("domains --json of a new app: %s, want an empty custom list", out)
	}
}

func TestDomainsErrors(t *testing.T) {
	fake := newFakePlatform(fakeApp("hello"), fakeApp("other"))
	startDaemon(t, fake)
	paasctl(t, "", "domains:add", "www.example.com", "-a", "other").mustSucceed(t)

	r := paasctl(t, "", "domains:add", "www.example.com", "-a", "hello")
	r.mustFail(t, "already used by app other")
	if r.stdout != "Adding www.example.com to hello... failed\n" {
		t.Errorf("a failed add printed %q", r.stdout)
	}
	paasctl(t, "", "domains:add", "hello.localhost", "-a", "hello").mustFail(t, "platform's own domain")
	paasctl(t, "", "domains:add", "10.0.0.1", "-a", "hello").mustFail(t, "IP address")
	paasctl(t, "", "domains:add", "-a", "hello").mustFail(t, "missing DOMAIN", "usage: paasctl domains:add DOMAIN")
	paasctl(t, "", "domains:add", "a.example.com", "b.example.com", "-a", "hello").mustFail(t, "too many arguments")
	paasctl(t, "", "domains:remove", "www.example.com", "-a", "hello").mustFail(t, "not found", "paasctl domains -a hello")
	paasctl(t, "", "domains", "-a", "nope").mustFail(t, "not found", "paasctl apps")
	paasctl(t, "", "domains:add", "www.example.org", "-a", "nope").mustFail(t, "not found", "paasctl apps")
	paasctl(t, "", "domains").mustFail(t, "no app specified")
	if got := fake.domainsOf("hello"); len(got) != 0 {
		t.Errorf("refused adds left %v", got)
	}
}
