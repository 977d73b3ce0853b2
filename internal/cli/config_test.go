package cli

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

// withConfig is a fake with hello and its config vars.
func withConfig(vars api.ConfigVars) *apiservertest.Platform {
	fake := apiservertest.NewPlatform("hello")
	fake.SetConfig("hello", vars)
	return fake
}

func TestConfig(t *testing.T) {
	startDaemon(t, withConfig(api.ConfigVars{"FOO": "bar", "DATABASE_URL": "postgres://db/hello?a=b", "EMPTY": ""}))
	out := paasctl(t, "", "config", "-a", "hello").mustSucceed(t)
	want := "=== hello Config Vars\n" +
		"DATABASE_URL: postgres://db/hello?a=b\n" +
		"EMPTY:        \n" +
		"FOO:          bar\n"
	if out != want {
		t.Errorf("config printed\n%s\nwant\n%s", out, want)
	}

	var vars map[string]string
	out = paasctl(t, "", "config", "-a", "hello", "--json").mustSucceed(t)
	if err := json.Unmarshal([]byte(out), &vars); err != nil || len(vars) != 3 || vars["FOO"] != "bar" || vars["EMPTY"] != "" {
		t.Errorf("config --json = %v, %v:\n%s", vars, err, out)
	}
}

func TestConfigEmpty(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform("hello"))
	if out := paasctl(t, "", "config", "-a", "hello").mustSucceed(t); out != "hello has no config vars yet: set them with paasctl config:set KEY=VALUE...\n" {
		t.Errorf("config of a new app: %q", out)
	}
	if out := paasctl(t, "", "config", "-a", "hello", "--json").mustSucceed(t); strings.TrimSpace(out) != "{}" {
		t.Errorf("config --json of a new app: %q, want {}", out)
	}
	if out := paasctl(t, "", "config", "-a", "hello", "--shell").mustSucceed(t); out != "" {
		t.Errorf("config --shell of a new app: %q, want nothing", out)
	}
}

func TestConfigShell(t *testing.T) {
	vars := api.ConfigVars{"A": "plain", "B": "it's $HOME and `x`", "C": "", "D": "two\nlines"}
	startDaemon(t, withConfig(vars))
	out := paasctl(t, "", "config", "-a", "hello", "-s").mustSucceed(t)
	if !strings.HasPrefix(out, "A='plain'\nB='it'\\''s $HOME and `x`'\nC=''\nD='two\nlines'\n") {
		t.Errorf("config -s printed:\n%s", out)
	}
	// A shell reads back exactly the values.
	script := "set -e\n" + out + `printf '%s|%s|%s|%s' "$A" "$B" "$C" "$D"`
	got, err := exec.Command("sh", "-c", script).Output()
	if err != nil || string(got) != "plain|it's $HOME and `x`||two\nlines" {
		t.Errorf("sh read %q (%v)", got, err)
	}
	paasctl(t, "", "config", "-a", "hello", "-s", "--json").mustFail(t, "--json and --shell are two formats: give one")
}

func TestConfigErrors(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform("hello"))
	paasctl(t, "", "config", "-a", "nope").mustFail(t, "not found", "paasctl apps")
	paasctl(t, "", "config").mustFail(t, "no app specified")
	paasctl(t, "", "config", "-a", "hello", "extra").mustFail(t, "unknown command")
}

func TestConfigGet(t *testing.T) {
	startDaemon(t, withConfig(api.ConfigVars{"FOO": "bar baz", "EMPTY": "", "URL": "a=b"}))
	for key, want := range map[string]string{"FOO": "bar baz\n", "EMPTY": "\n", "URL": "a=b\n"} {
		if out := paasctl(t, "", "config:get", key, "-a", "hello").mustSucceed(t); out != want {
			t.Errorf("config:get %s printed %q, want %q", key, out, want)
		}
	}
	paasctl(t, "", "config:get", "NOPE", "-a", "hello").mustFail(t, "config var NOPE is not set on hello", "paasctl config -a hello")
	paasctl(t, "", "config:get", "-a", "hello").mustFail(t, "missing KEY: usage: paasctl config:get KEY")
	paasctl(t, "", "config:get", "A", "B", "-a", "hello").mustFail(t, `too many arguments, ["B"]`)
	paasctl(t, "", "config:get", "FOO", "-a", "nope").mustFail(t, "not found", "paasctl apps")
}

func TestConfigSet(t *testing.T) {
	fake := withConfig(api.ConfigVars{"OLD": "x"})
	fake.AddRelease("hello", api.Release{Description: "Deploy 1a2b3c4"})
	startDaemon(t, fake)

	out := paasctl(t, "", "config:set", "FOO=bar", "BAR=a=b=c", "EMPTY=", "-a", "hello").mustSucceed(t)
	if out != "Setting FOO, BAR, EMPTY and restarting hello... done, v2\n" {
		t.Errorf("config:set printed %q", out)
	}
	updates, _, _, _ := recorded(fake)
	if len(updates) != 1 {
		t.Fatalf("%d updates, want 1", len(updates))
	}
	want := map[string]string{"FOO": "bar", "BAR": "a=b=c", "EMPTY": ""}
	if got := updates[0]; len(got) != len(want) {
		t.Errorf("sent %d changes, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got := updates[0][k]; got == nil || *got != v {
			t.Errorf("sent %s = %v, want %q", k, got, v)
		}
	}

	// A key given twice is set once, to its last value.
	out = paasctl(t, "", "config:set", "A=1", "B=2", "A=3", "-a", "hello").mustSucceed(t)
	if out != "Setting A, B and restarting hello... done, v3\n" {
		t.Errorf("config:set with a repeated key printed %q", out)
	}
	updates, _, _, _ = recorded(fake)
	if got := updates[1]; len(got) != 2 || *got["A"] != "3" {
		t.Errorf("sent %v, want A=3 B=2", got)
	}
}

func TestConfigSetErrors(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	paasctl(t, "", "config:set", "-a", "hello").mustFail(t, "missing KEY=VALUE: usage: paasctl config:set KEY=VALUE...")
	paasctl(t, "", "config:set", "OK=1", "FOO", "-a", "hello").mustFail(t, `expected KEY=VALUE, got "FOO"`)
	paasctl(t, "", "config:set", "=bar", "-a", "hello").mustFail(t, `expected KEY=VALUE, got "=bar": the key is missing`)
	if updates, _, _, _ := recorded(fake); len(updates) != 0 {
		t.Errorf("bad arguments reached the platform: %v", updates)
	}

	r := paasctl(t, "", "config:set", "1BAD=x", "-a", "hello")
	r.mustFail(t, `invalid config key "1BAD"`)
	if r.stdout != "Setting 1BAD and restarting hello... failed\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	paasctl(t, "", "config:set", "FOO=bar", "-a", "nope").mustFail(t, "not found", "paasctl apps")
}

func TestConfigUnset(t *testing.T) {
	fake := withConfig(api.ConfigVars{"FOO": "1", "BAR": "2", "KEEP": "3"})
	fake.AddRelease("hello", api.Release{Description: "Deploy 1a2b3c4"})
	fake.AddRelease("hello", api.Release{Description: "Set FOO, BAR, KEEP config vars"})
	fake.AddRelease("hello", api.Release{Description: "Deploy 5d6e7f8"})
	startDaemon(t, fake)

	out := paasctl(t, "", "config:unset", "FOO", "BAR", "FOO", "-a", "hello").mustSucceed(t)
	if out != "Unsetting FOO, BAR and restarting hello... done, v4\n" {
		t.Errorf("config:unset printed %q", out)
	}
	updates, _, _, _ := recorded(fake)
	if len(updates) != 1 || len(updates[0]) != 2 {
		t.Fatalf("sent %v, want one change of FOO and BAR", updates)
	}
	for _, k := range []string{"FOO", "BAR"} {
		if v, ok := updates[0][k]; !ok || v != nil {
			t.Errorf("sent %s = %v (present %v), want null", k, v, ok)
		}
	}
	if out := paasctl(t, "", "config", "-a", "hello", "-s").mustSucceed(t); out != "KEEP='3'\n" {
		t.Errorf("config after unset: %q", out)
	}

	paasctl(t, "", "config:unset", "-a", "hello").mustFail(t, "missing KEY: usage: paasctl config:unset KEY...")
	r := paasctl(t, "", "config:unset", "NOPE", "-a", "hello")
	r.mustFail(t, "config var NOPE is not set")
	if r.stdout != "Unsetting NOPE and restarting hello... failed\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}
