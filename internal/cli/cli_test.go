package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
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
	for _, want := range []string{"apps:create", "git:remote", "login"} {
		if !strings.Contains(out, want) {
			t.Errorf("paasctl --help lacks %s", want)
		}
	}
	for _, unwanted := range []string{"completion", "git:credential"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("paasctl --help lists %s", unwanted)
		}
	}
}

func TestUnknownCommandAndFlag(t *testing.T) {
	isolate(t)
	paasctl(t, "", "apps:crate").mustFail(t, `unknown command "apps:crate"`)
	paasctl(t, "", "apps", "--nope").mustFail(t, "unknown flag: --nope", "paasctl apps --help")
	paasctl(t, "", "completion", "bash").mustFail(t, "unknown command")
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
