package cli

import (
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

// The automatic certificate commands against the API's fake.
func TestCertsAutoCommands(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	if out := paasctl(t, "", "certs:auto", "-a", "hello").mustSucceed(t); !strings.Contains(out, "automatic certificates off") {
		t.Errorf("certs:auto while off = %q", out)
	}
	paasctl(t, "", "certs:auto:refresh", "-a", "hello").mustFail(t, "automatic certificates off")
	if out := paasctl(t, "", "certs:auto:enable", "-a", "hello").mustSucceed(t); !strings.Contains(out, "done") {
		t.Errorf("certs:auto:enable = %q", out)
	}
	paasctl(t, "", "domains:add", "www.example.com", "-a", "hello").mustSucceed(t)
	out := paasctl(t, "", "certs:auto", "-a", "hello").mustSucceed(t)
	for _, want := range []string{"hello.localhost", "issued", "2027-03-01T00:00:00Z", "www.example.com", "failing", "NXDOMAIN"} {
		if !strings.Contains(out, want) {
			t.Errorf("certs:auto lacks %q:\n%s", want, out)
		}
	}
	if out := paasctl(t, "", "certs:auto", "-a", "hello", "--json").mustSucceed(t); !strings.Contains(out, `"status": "issued"`) {
		t.Errorf("certs:auto --json = %q", out)
	}
	paasctl(t, "", "certs:auto:refresh", "-a", "hello").mustSucceed(t)
	paasctl(t, "", "certs:auto:disable", "-a", "hello").mustSucceed(t)
	paasctl(t, "", "certs:auto:enable", "-a", "nope").mustFail(t, "not found")
}
