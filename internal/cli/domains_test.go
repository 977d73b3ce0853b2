package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestDomainsLifecycle(t *testing.T) {
	fake := apiservertest.NewPlatform("hello", "other")
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
	if got := fake.DomainsOf("hello"); !slices.Equal(got, []string{"*.example.com", "www.example.com"}) {
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
	if got := fake.DomainsOf("hello"); !slices.Equal(got, []string{"www.example.com"}) {
		t.Fatalf("after remove the platform has %v", got)
	}
}

func TestDomainsJSONEmpty(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform("hello"))
	out := paasctl(t, "", "domains", "-a", "hello", "--json").mustSucceed(t)
	if !strings.Contains(out, `"custom": []`) {
		t.Errorf("domains --json of a new app: %s, want an empty custom list", out)
	}
}

func TestDomainsErrors(t *testing.T) {
	fake := apiservertest.NewPlatform("hello", "other")
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
	if got := fake.DomainsOf("hello"); len(got) != 0 {
		t.Errorf("refused adds left %v", got)
	}
}
