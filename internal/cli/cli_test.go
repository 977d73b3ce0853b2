package cli

import (
	"strings"
	"testing"
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
	if out := paasctl(t, "", "version").mustSucceed(t); !strings.HasPrefix(out, "paasctl ") {
		t.Errorf("version: %q", out)
	}
}

func TestArgumentErrors(t *testing.T) {
	isolate(t)
	paasctl(t, "", "apps:create").mustFail(t, "missing NAME: usage: paasctl apps:create NAME")
	paasctl(t, "", "apps:create", "a", "b").mustFail(t, `too many arguments, ["b"]`)
}
