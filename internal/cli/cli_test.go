package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestHelpEverywhere(t *testing.T) {
	isolate(t)
	root := newRootCommand()
	for _, c := range root.Commands() {
		out := paasctl(t, "", c.Name(), "--help").mustSucceed(t)
		if !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help:\n%s", c.Name(), out)
		}
	}
	out := paasctl(t, "", "--help").mustSucceed(t)
	for _, want := range []string{"apps:create", "git:remote", "login", "completion"} {
		if !strings.Contains(out, want) {
			t.Errorf("paasctl --help lacks %s", want)
		}
	}
	for _, unwanted := range []string{"git:credential", "__complete"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("paasctl --help lists %s", unwanted)
		}
	}
}

func TestUnknownCommandAndFlag(t *testing.T) {
	isolate(t)
	paasctl(t, "", "apps:crate").mustFail(t, `unknown command "apps:crate"`)
	paasctl(t, "", "apps", "--nope").mustFail(t, "unknown flag: --nope", "paasctl apps --help")
}

func TestVersion(t *testing.T) {
	isolate(t)
	t.Setenv(envURL, "http://127.0.0.1:1") // nothing listens on port 1
	out := paasctl(t, "", "version").mustSucceed(t)
	if !strings.HasPrefix(out, "paasctl ") || !strings.Contains(out, "paasd   unknown: ") {
		t.Errorf("version with paasd down: %q", out)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != api.HealthPath {
			http.NotFound(w, req)
			return
		}
		fmt.Fprintln(w, `{"status":"ok","version":"v1.2.3","commit":"0123456789abcdef","go":"go1.99"}`)
	}))
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	out = paasctl(t, "", "version").mustSucceed(t)
	if want := "paasd   v1.2.3 (commit 0123456789ab, go1.99) at " + srv.URL; !strings.Contains(out, want) {
		t.Errorf("version = %q, want a line %q", out, want)
	}
	var r versionReport
	if err := json.Unmarshal([]byte(paasctl(t, "", "version", "--json").mustSucceed(t)), &r); err != nil {
		t.Fatal(err)
	}
	if r.Client.Version == "" || r.Server == nil || r.Server.Version != "v1.2.3" {
		t.Errorf("version --json = %+v", r)
	}
}

func TestArgumentErrors(t *testing.T) {
	isolate(t)
	paasctl(t, "", "apps:create").mustFail(t, "missing NAME: usage: paasctl apps:create NAME")
	paasctl(t, "", "apps:create", "a", "b").mustFail(t, `too many arguments, ["b"]`)
}

func TestCompletion(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform("hello", "help-desk", "other"))
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if out := paasctl(t, "", "completion", shell).mustSucceed(t); !strings.Contains(out, "__complete") {
			t.Errorf("completion %s does not call paasctl __complete:\n%.300s", shell, out)
		}
	}
	out := paasctl(t, "", "__complete", "ps", "-a", "hel").mustSucceed(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var names []string
	for _, l := range lines[:len(lines)-1] { // the last is the directive
		names = append(names, strings.SplitN(l, "\t", 2)[0])
	}
	if strings.Join(names, " ") != "hello help-desk" || lines[len(lines)-1] != ":4" {
		t.Errorf("completing -a hel:\n%s\nwant hello and help-desk, then :4 (no file names)", out)
	}
	// A daemon that cannot be reached gives no suggestions, not an error.
	t.Setenv(envURL, "http://127.0.0.1:1")
	if out := paasctl(t, "", "__complete", "ps", "-a", "").mustSucceed(t); strings.TrimSpace(out) != ":4" {
		t.Errorf("completing with paasd down:\n%s", out)
	}
}

// Every command that lists or shows something takes --json; the rest are
// here, each with why.
func TestJSONEverywhere(t *testing.T) {
	noJSON := map[string]string{
		"apps:destroy":        "changes, shows nothing",
		"maintenance:on":      "changes; maintenance --json shows the result",
		"maintenance:off":     "changes; maintenance --json shows the result",
		"config:set":          "changes; config --json shows the result",
		"config:unset":        "changes; config --json shows the result",
		"domains:add":         "changes; domains --json shows the result",
		"domains:remove":      "changes; domains --json shows the result",
		"drains:add":          "changes; drains --json shows the result",
		"drains:remove":       "changes; drains --json shows the result",
		"rollback":            "changes; releases:info --json shows the result",
		"ps:restart":          "changes; ps --json shows the result",
		"run":                 "the process's own output",
		"builds:output":       "the build's own output",
		"addons:destroy":      "changes; addons --json shows the result",
		"addons:attach":       "changes; addons:info --json shows the result",
		"pg:backups:download": "the backup's own bytes",
		"pg:backups:restore":  "changes; pg:backups --json shows the backups",
		"pg:backups:schedule": "changes; addons:info --json shows the result",
		"pg:psql":             "psql's own output",
		"certs:auto:enable":   "changes; certs:auto --json shows the result",
		"certs:add":           "changes; certs --json shows the result",
		"certs:remove":        "changes; certs --json shows the result",
		"certs:auto:disable":  "changes; certs:auto --json shows the result",
		"certs:auto:refresh":  "changes; certs:auto --json shows the result",
		"redis:cli":           "redis-cli's own output",
		"addons:detach":       "changes; addons:info --json shows the result",
		"builds:cancel":       "changes; builds:info --json shows the result",
		"deploy":              "the build's own output; builds:info --json shows the result",
		"git:remote":          "changes the git repository",
		"git:credential":      "git's own protocol",
		"login":               "changes credentials",
		"logout":              "changes credentials",
		"help":                "text",
		"completion":          "shell script",
	}
	for _, c := range newRootCommand().Commands() {
		if _, ok := noJSON[c.Name()]; ok {
			continue
		}
		if c.Flags().Lookup("json") == nil {
			t.Errorf("%s has no --json", c.Name())
		}
	}
}

func TestJSONOfCreateGetAndVerify(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	fake.SetConfig("hello", api.ConfigVars{"GREETING": "hi there"})

	var app api.App
	if err := json.Unmarshal([]byte(paasctl(t, "", "apps:create", "fresh", "--json").mustSucceed(t)), &app); err != nil || app.Name != "fresh" {
		t.Errorf("apps:create --json: %+v, %v", app, err)
	}
	var kv struct{ Key, Value string }
	if err := json.Unmarshal([]byte(paasctl(t, "", "config:get", "GREETING", "-a", "hello", "--json").mustSucceed(t)), &kv); err != nil || kv.Key != "GREETING" || kv.Value != "hi there" {
		t.Errorf("config:get --json: %+v, %v", kv, err)
	}
	fake.Verification = &api.Verification{App: "hello", Checked: 2, FirstBad: 2, Problem: "digest does not match its content"}
	r := paasctl(t, "", "releases:verify", "-a", "hello", "--json")
	var v api.Verification
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.FirstBad != 2 || r.code != 1 {
		t.Errorf("releases:verify --json on a broken chain: exit %d, %+v, %v", r.code, v, err)
	}
}
