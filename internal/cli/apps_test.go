package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestApps(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform())
	if out := paasctl(t, "", "apps").mustSucceed(t); !strings.Contains(out, "No apps yet") {
		t.Errorf("empty list: %q", out)
	}
	if out := paasctl(t, "", "apps", "--json").mustSucceed(t); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty --json: %q, want []", out)
	}

	out := paasctl(t, "", "apps:create", "hello").mustSucceed(t)
	for _, want := range []string{"Creating hello... done", "http://hello.localhost:8080/", "http://127.0.0.1:7070/git/hello.git"} {
		if !strings.Contains(out, want) {
			t.Errorf("apps:create output lacks %q:\n%s", want, out)
		}
	}

	out = paasctl(t, "", "apps").mustSucceed(t)
	if !strings.Contains(out, "hello") || !strings.Contains(out, "none") {
		t.Errorf("apps output:\n%s", out)
	}
	var apps []api.App
	if err := json.Unmarshal([]byte(paasctl(t, "", "apps", "--json").mustSucceed(t)), &apps); err != nil || len(apps) != 1 || apps[0].Name != "hello" {
		t.Errorf("apps --json = %v, %v", apps, err)
	}
}

func TestAppsCreateErrors(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform("hello"))
	paasctl(t, "", "apps:create", "hello").mustFail(t, "already exists", "choose another name")
	paasctl(t, "", "apps:create", "Bad_Name").mustFail(t, "lowercase letters")
	paasctl(t, "", "apps:create").mustFail(t, "usage: paasctl apps:create NAME")
}

func TestAppsInfo(t *testing.T) {
	app := apiservertest.App("hello")
	app.CurrentRelease = 3
	app.Commit = "0123abc"
	app.Processes = []api.Process{{Name: "web.1", State: "up", Release: api.ReleaseRef{Version: 3}, StartedAt: app.CreatedAt}}
	fake := apiservertest.NewPlatform()
	fake.PutApp(app)
	startDaemon(t, fake)

	var got api.App
	out := paasctl(t, "", "apps:info", "-a", "hello", "--json").mustSucceed(t)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if got.Name != "hello" || got.CurrentRelease != 3 || got.Commit != "0123abc" || len(got.Processes) != 1 {
		t.Errorf("apps:info --json = %+v", got)
	}

	out = paasctl(t, "", "apps:info", "--app", "hello").mustSucceed(t)
	for _, want := range []string{"=== hello", "http://hello.localhost:8080/", "http://127.0.0.1:7070/git/hello.git", "v3", "0123abc", "web.1", "up"} {
		if !strings.Contains(out, want) {
			t.Errorf("apps:info lacks %q:\n%s", want, out)
		}
	}

	paasctl(t, "", "apps:info", "-a", "nope").mustFail(t, "not found", "paasctl apps")
}

func TestAppsInfoNeverDeployed(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform("hello"))
	out := paasctl(t, "", "apps:info", "-a", "hello").mustSucceed(t)
	if !regexp.MustCompile(`Release:\s+none\n`).MatchString(out) || strings.Contains(out, "Commit:") {
		t.Errorf("apps:info of a new app:\n%s", out)
	}
}

func TestAppsDestroy(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)

	paasctl(t, "", "apps:destroy", "hello").mustFail(t, "cannot be undone", "paasctl apps:destroy hello --confirm hello")
	paasctl(t, "", "apps:destroy", "hello", "--confirm", "hallo").mustFail(t, "does not match", "--confirm hello")
	paasctl(t, "", "apps:destroy", "hello", "-a", "other", "--confirm", "hello").mustFail(t, "two apps given")
	if !fake.Has("hello") {
		t.Fatal("destroyed without a matching --confirm")
	}

	out := paasctl(t, "", "apps:destroy", "hello", "--confirm", "hello").mustSucceed(t)
	if !strings.Contains(out, "Destroying hello") || !strings.Contains(out, "done") {
		t.Errorf("output: %q", out)
	}
	if fake.Has("hello") {
		t.Error("app still exists")
	}
	paasctl(t, "", "apps:destroy", "hello", "--confirm", "hello").mustFail(t, "not found")
}

func TestMaintenance(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	if out := paasctl(t, "", "maintenance", "-a", "hello").mustSucceed(t); out != "off\n" {
		t.Errorf("maintenance: %q", out)
	}
	if out := paasctl(t, "", "maintenance:on", "-a", "hello").mustSucceed(t); out != "Turning maintenance mode on for hello... done\n" {
		t.Errorf("maintenance:on: %q", out)
	}
	if out := paasctl(t, "", "maintenance", "-a", "hello", "--json").mustSucceed(t); !strings.Contains(out, `"maintenance": true`) {
		t.Errorf("maintenance --json: %q", out)
	}
	if out := paasctl(t, "", "apps:info", "-a", "hello").mustSucceed(t); !strings.Contains(out, "Maintenance:") {
		t.Errorf("apps:info in maintenance mode:\n%s", out)
	}
	paasctl(t, "", "maintenance:off", "-a", "hello").mustSucceed(t)
	if out := paasctl(t, "", "maintenance", "-a", "hello").mustSucceed(t); out != "off\n" {
		t.Errorf("maintenance after off: %q", out)
	}
	paasctl(t, "", "maintenance:on", "-a", "nope").mustFail(t, "not found", "paasctl apps")
}

func TestAppsRename(t *testing.T) {
	fake := apiservertest.NewPlatform("hello", "taken")
	startDaemon(t, fake)
	dir := gitRepo(t)
	runGit(t, dir, "remote", "add", "paas", "http://127.0.0.1:7070/git/hello.git")

	// The app comes from the remote, which is updated to the new name.
	out := paasctl(t, "", "apps:rename", "world").mustSucceed(t)
	for _, want := range []string{"Renaming hello to world... done", "http://world.localhost:8080/", "Git remote paas updated"} {
		if !strings.Contains(out, want) {
			t.Errorf("apps:rename output lacks %q:\n%s", want, out)
		}
	}
	remote := strings.TrimSpace(runGit(t, dir, "remote", "get-url", "paas"))
	if remote != "http://127.0.0.1:7070/git/world.git" {
		t.Errorf("remote after rename = %q", remote)
	}
	if fake.Has("hello") || !fake.Has("world") {
		t.Error("the platform did not rename the app")
	}

	// A remote pointing at another app is left alone.
	out = paasctl(t, "", "apps:rename", "third", "-a", "taken").mustSucceed(t)
	if !strings.Contains(out, "Update the git remote of each checkout of third") {
		t.Errorf("apps:rename of another app:\n%s", out)
	}
	if got := strings.TrimSpace(runGit(t, dir, "remote", "get-url", "paas")); got != remote {
		t.Errorf("remote of another app changed to %q", got)
	}

	paasctl(t, "", "apps:rename", "third", "-a", "world").mustFail(t, "already exists", "choose another name")
	paasctl(t, "", "apps:rename", "Bad_Name", "-a", "world").mustFail(t, "lowercase letters")
	paasctl(t, "", "apps:rename", "fresh", "-a", "nope").mustFail(t, "not found", "paasctl apps")
	paasctl(t, "", "apps:rename", "-a", "world").mustFail(t, "usage: paasctl apps:rename NEWNAME")
}

func TestBuildsDockerfile(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	r := paasctl(t, "", "builds:dockerfile", "-a", "hello")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "# Generated by paas") || !strings.Contains(r.stderr, "hello builds commit aaaaaaa from Go app, 1.22.0") {
		t.Errorf("builds:dockerfile: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var df api.GeneratedDockerfile
	if err := json.Unmarshal([]byte(paasctl(t, "", "builds:dockerfile", "-a", "hello", "--json").mustSucceed(t)), &df); err != nil || df.Builder != "go" {
		t.Errorf("builds:dockerfile --json = %+v, %v", df, err)
	}
	paasctl(t, "", "builds:dockerfile", "-a", "nope").mustFail(t, "not found", "deploy it first")
}
