package cli

import (
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

// The add-on commands against the API's fake.
func TestAddonsCommands(t *testing.T) {
	fake := apiservertest.NewPlatform("hello", "other")
	startDaemon(t, fake)
	paasctl(t, "", "addons:create", "mysql", "-a", "hello").mustFail(t, "postgres and redis")
	if out := paasctl(t, "", "addons:create", "postgres", "-a", "hello").mustSucceed(t); !strings.Contains(out, "Created postgres-1 as DATABASE_URL") {
		t.Errorf("addons:create = %q", out)
	}
	if out := paasctl(t, "", "addons", "-a", "hello").mustSucceed(t); !strings.Contains(out, "postgres-1") || !strings.Contains(out, "hello::DATABASE") {
		t.Errorf("addons = %q", out)
	}
	if out := paasctl(t, "", "addons:info", "postgres-1").mustSucceed(t); strings.Contains(out, "secret") {
		t.Errorf("addons:info shows the URL unasked: %q", out)
	}
	if out := paasctl(t, "", "addons:info", "postgres-1", "--show-url").mustSucceed(t); !strings.Contains(out, "postgres://") {
		t.Errorf("addons:info --show-url = %q", out)
	}
	if out := paasctl(t, "", "addons:attach", "postgres-1", "-a", "other").mustSucceed(t); !strings.Contains(out, "as DATABASE_URL") {
		t.Errorf("addons:attach = %q", out)
	}
	paasctl(t, "", "addons:detach", "postgres-1", "-a", "other").mustSucceed(t)

	// The consoles: a command, or stdin; the client's status is paasctl's.
	if out := paasctl(t, "", "pg:psql", "-a", "hello", "-c", "SELECT 1").mustSucceed(t); out != "postgres-1> SELECT 1\n" {
		t.Errorf("pg:psql -c = %q", out)
	}
	if out := paasctl(t, "SELECT 2;\n", "pg:psql", "-a", "hello").mustSucceed(t); out != "SELECT 2;\n" {
		t.Errorf("pg:psql from stdin = %q", out)
	}
	if r := paasctl(t, "", "pg:psql", "-a", "hello", "-c", "fail"); r.code != 1 {
		t.Errorf("pg:psql of a failing command exits %d, want 1", r.code)
	}
	paasctl(t, "", "redis:cli", "-a", "hello", "PING").mustFail(t, "hello has no Redis add-on", "addons:create redis -a hello")
	paasctl(t, "", "addons:create", "redis", "-a", "hello").mustSucceed(t)
	if out := paasctl(t, "", "redis:cli", "-a", "hello", "SET", "k", "v").mustSucceed(t); !strings.HasSuffix(out, "> SET k v\n") {
		t.Errorf("redis:cli = %q", out)
	}
	paasctl(t, "", "pg:psql", "--addon", "postgres-9", "-c", "SELECT 1").mustFail(t, "not found")
	paasctl(t, "", "addons:destroy", "postgres-1").mustFail(t, "--confirm postgres-1")
	paasctl(t, "", "addons:destroy", "postgres-1", "--confirm", "nope").mustFail(t, "does not match")
	paasctl(t, "", "addons:destroy", "postgres-1", "--confirm", "postgres-1").mustSucceed(t)
	paasctl(t, "", "addons:info", "postgres-1").mustFail(t, "not found")
	paasctl(t, "", "addons:destroy", "redis-2", "--confirm", "redis-2").mustSucceed(t)
	if out := paasctl(t, "", "addons", "--all").mustSucceed(t); !strings.Contains(out, "No add-ons") {
		t.Errorf("addons --all = %q", out)
	}
}
