package cli

import (
	"os"
	"path/filepath"
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

func TestCertsCommands(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	dir := t.TempDir()
	crt, key := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := os.WriteFile(crt, []byte("-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, []byte("-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := paasctl(t, "", "certs", "-a", "hello").mustSucceed(t); !strings.Contains(out, "none added") || !strings.Contains(out, "hello.localhost") {
		t.Errorf("certs before = %q", out)
	}
	paasctl(t, "", "certs:add", crt, filepath.Join(dir, "missing.pem"), "-a", "hello").mustFail(t, "read the key")
	paasctl(t, "", "certs:add", key, key, "-a", "hello").mustFail(t, "invalid certificate")
	out := paasctl(t, "", "certs:add", crt, key, "-a", "hello").mustSucceed(t)
	if !strings.Contains(out, "done: sni-") || !strings.Contains(out, "*.example.com") {
		t.Errorf("certs:add = %q", out)
	}
	name := strings.Fields(strings.TrimPrefix(out[strings.Index(out, "done: "):], "done: "))[0]
	name = strings.TrimSuffix(name, ",")
	if out := paasctl(t, "", "certs", "-a", "hello").mustSucceed(t); !strings.Contains(out, name) || !strings.Contains(out, "Test CA") {
		t.Errorf("certs = %q", out)
	}
	paasctl(t, "", "certs:remove", "sni-nope", "-a", "hello").mustFail(t, "not found")
	paasctl(t, "", "certs:remove", name, "-a", "hello").mustSucceed(t)
	if out := paasctl(t, "", "certs", "-a", "hello", "--json").mustSucceed(t); strings.TrimSpace(out) != "[]" {
		t.Errorf("certs --json after remove = %q", out)
	}
}
