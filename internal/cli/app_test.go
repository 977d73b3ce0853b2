package cli

import (
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestAppFromGitRemote(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform("hello", "other"))
	dir := gitRepo(t)
	runGit(t, dir, "remote", "add", "paas", "http://127.0.0.1:7070/git/hello.git")

	out := paasctl(t, "", "apps:info").mustSucceed(t)
	if !strings.Contains(out, "=== hello") {
		t.Errorf("apps:info in a repo with a paas remote:\n%s", out)
	}
	// -a wins over the remote.
	if out := paasctl(t, "", "apps:info", "-a", "other").mustSucceed(t); !strings.Contains(out, "=== other") {
		t.Errorf("apps:info -a other:\n%s", out)
	}

	runGit(t, dir, "remote", "set-url", "paas", "https://paas:secret@example.com/somewhere/else")
	r := paasctl(t, "", "apps:info")
	r.mustFail(t, "not a paas app URL", "paasctl git:remote -a NAME")
	if strings.Contains(r.stderr, "secret") {
		t.Errorf("error shows the remote's password: %s", r.stderr)
	}
}

func TestNoApp(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform())
	const want = "no app specified: use -a NAME, or run inside a git repo with a 'paas' remote (paasctl git:remote -a NAME)"
	// Not in a repo at all.
	paasctl(t, "", "apps:info").mustFail(t, want)
	// In a repo without a paas remote.
	dir := gitRepo(t)
	runGit(t, dir, "remote", "add", "origin", "https://example.com/hello.git")
	paasctl(t, "", "apps:info").mustFail(t, want)
}

func TestAppFromGitURL(t *testing.T) {
	tests := []struct {
		url, app string
		ok       bool
	}{
		{"http://127.0.0.1:7070/git/hello.git", "hello", true},
		{"https://paas.example.com/git/my-app.git/", "my-app", true},
		{"http://paas:token@host:7070/prefix/git/hello.git", "hello", true},
		{"http://127.0.0.1:7070/git/hello", "", false},
		{"git@github.com:me/hello.git", "", false},
		{"http://127.0.0.1:7070/git/a/b.git", "", false},
	}
	for _, tt := range tests {
		app, ok := appFromGitURL(tt.url)
		if app != tt.app || ok != tt.ok {
			t.Errorf("appFromGitURL(%q) = %q, %v; want %q, %v", tt.url, app, ok, tt.app, tt.ok)
		}
	}
}
