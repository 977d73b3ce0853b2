package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

// withReleases is a fake with hello at v4: v3 current, v4 failed.
func withReleases() *apiservertest.Platform {
	fake := apiservertest.NewPlatform("hello")
	fake.SetConfig("hello", api.ConfigVars{"FOO": "secret"})
	fake.AddRelease("hello", api.Release{Description: "Deploy 1a2b3c4", CreatedBy: "root@host via paasctl",
		BuildID: 1, Commit: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", Image: "paas/hello:1",
		ProcessTypes: []string{"web"}, Digest: "sha256:aaa"})
	fake.AddRelease("hello", api.Release{Description: "Set FOO config var", CreatedBy: "api", BuildID: 1,
		Commit: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", Image: "paas/hello:1", ProcessTypes: []string{"web"}})
	fake.AddRelease("hello", api.Release{Description: "Rollback to v1", CreatedBy: "root@host via paasctl", BuildID: 1,
		Commit: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", Image: "paas/hello:1", ProcessTypes: []string{"web"}})
	fake.AddRelease("hello", api.Release{Description: "Deploy 5d6e7f8", CreatedBy: "root@host via paasctl", Status: "failed"})
	// v4 failed, so v3 stays live.
	fake.SetCurrent("hello", 3)
	return fake
}

func TestReleases(t *testing.T) {
	startDaemon(t, withReleases())
	out := paasctl(t, "", "releases", "-a", "hello").mustSucceed(t)
	want := "=== hello Releases - Current: v3\n" +
		"v4  Deploy 5d6e7f8 (failed)  root@host via paasctl  2026-11-26T09:04:00Z\n" +
		"v3  Rollback to v1           root@host via paasctl  2026-11-26T09:03:00Z  current\n" +
		"v2  Set FOO config var       api                    2026-11-26T09:02:00Z\n" +
		"v1  Deploy 1a2b3c4           root@host via paasctl  2026-11-26T09:01:00Z\n"
	if out != want {
		t.Errorf("releases printed\n%s\nwant\n%s", out, want)
	}
	if strings.Contains(out, "secret") {
		t.Error("releases shows a config value")
	}

	out = paasctl(t, "", "releases", "-a", "hello", "-n", "2").mustSucceed(t)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[1], "v4") || !strings.HasPrefix(lines[2], "v3") {
		t.Errorf("releases -n 2:\n%s", out)
	}

	var rels []api.Release
	out = paasctl(t, "", "releases", "-a", "hello", "--json", "-n", "3").mustSucceed(t)
	if err := json.Unmarshal([]byte(out), &rels); err != nil || len(rels) != 3 || rels[0].Version != 4 || !rels[1].Current {
		t.Errorf("releases --json -n 3 = %+v, %v", rels, err)
	}
}

func TestReleasesDefaultsToFifteen(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	for i := 1; i <= 20; i++ {
		fake.AddRelease("hello", api.Release{Description: fmt.Sprintf("Deploy %07d", i), CreatedBy: "api"})
	}
	startDaemon(t, fake)
	out := paasctl(t, "", "releases", "-a", "hello").mustSucceed(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 16 || !strings.HasPrefix(lines[1], "v20 ") || !strings.HasPrefix(lines[15], "v6 ") {
		t.Errorf("releases of 20 printed %d lines:\n%s", len(lines), out)
	}
}

func TestReleasesEmptyAndErrors(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform("hello"))
	if out := paasctl(t, "", "releases", "-a", "hello").mustSucceed(t); out != "hello has no releases yet: deploy it with git push paas main\n" {
		t.Errorf("releases of a new app: %q", out)
	}
	if out := paasctl(t, "", "releases", "-a", "hello", "--json").mustSucceed(t); strings.TrimSpace(out) != "[]" {
		t.Errorf("releases --json of a new app: %q", out)
	}
	paasctl(t, "", "releases", "-a", "hello", "-n", "0").mustFail(t, "-n 0: give a number of releases, 1 or more")
	paasctl(t, "", "releases", "-a", "hello", "-n", "x").mustFail(t, "invalid argument")
	paasctl(t, "", "releases", "-a", "nope").mustFail(t, "not found", "paasctl apps")
}

func TestReleasesInfo(t *testing.T) {
	startDaemon(t, withReleases())
	out := paasctl(t, "", "releases:info", "v1", "-a", "hello").mustSucceed(t)
	want := "=== hello Release v1\n" +
		"Version:        v1\n" +
		"Status:         succeeded\n" +
		"Description:    Deploy 1a2b3c4\n" +
		"By:             root@host via paasctl\n" +
		"When:           2026-11-26T09:01:00Z\n" +
		"Commit:         1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\n" +
		"Image:          paas/hello:1\n" +
		"Build:          1\n" +
		"Config vars:    FOO\n" +
		"Process types:  web\n" +
		"Digest:         sha256:aaa\n"
	if out != want {
		t.Errorf("releases:info v1 printed\n%s\nwant\n%s", out, want)
	}

	// No version: the current release, v3, not the newest.
	out = paasctl(t, "", "releases:info", "-a", "hello").mustSucceed(t)
	if !strings.HasPrefix(out, "=== hello Release v3\nVersion:        v3 (current)\n") {
		t.Errorf("releases:info with no version:\n%s", out)
	}
	out = paasctl(t, "", "releases:info", "4", "-a", "hello").mustSucceed(t)
	for _, want := range []string{"Status:         failed\n", "Commit:         none\n", "Build:          none\n", "Process types:  none\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("releases:info 4 lacks %q:\n%s", want, out)
		}
	}

	var rel api.Release
	out = paasctl(t, "", "releases:info", "v2", "-a", "hello", "--json").mustSucceed(t)
	if err := json.Unmarshal([]byte(out), &rel); err != nil || rel.Version != 2 || rel.Description != "Set FOO config var" {
		t.Errorf("releases:info v2 --json = %+v, %v", rel, err)
	}
}

func TestReleasesInfoErrors(t *testing.T) {
	fake := withReleases()
	fake.PutApp(apiservertest.App("new"))
	startDaemon(t, fake)
	paasctl(t, "", "releases:info", "v9", "-a", "hello").mustFail(t, "not found", "paasctl releases -a hello")
	paasctl(t, "", "releases:info", "three", "-a", "hello").mustFail(t, `"three" is not a release version: give it as v3 or 3`)
	paasctl(t, "", "releases:info", "v0", "-a", "hello").mustFail(t, "versions start at v1")
	paasctl(t, "", "releases:info", "v1", "v2", "-a", "hello").mustFail(t, `too many arguments, ["v2"]: give at most one vN`)
	paasctl(t, "", "releases:info", "-a", "new").mustFail(t, "new has no releases yet", "git push paas main")
	paasctl(t, "", "releases:info", "-a", "nope").mustFail(t, "not found", "paasctl apps")
}

func TestRollback(t *testing.T) {
	fake := withReleases()
	startDaemon(t, fake)

	out := paasctl(t, "", "rollback", "v1", "-a", "hello").mustSucceed(t)
	if out != "Rolling back hello to v1... done, v5\n" {
		t.Errorf("rollback v1 printed %q", out)
	}
	out = paasctl(t, "", "rollback", "2", "-a", "hello").mustSucceed(t)
	if out != "Rolling back hello to v2... done, v6\n" {
		t.Errorf("rollback 2 printed %q", out)
	}
	out = paasctl(t, "", "rollback", "-a", "hello").mustSucceed(t)
	if out != "Rolling back hello... done, v7 (Rollback to v5)\n" {
		t.Errorf("rollback printed %q", out)
	}
	_, rollbacks, _, _ := recorded(fake)
	if fmt.Sprint(rollbacks) != "[1 2 0]" {
		t.Errorf("sent versions %v, want [1 2 0]: no argument is 0, the daemon's choice", rollbacks)
	}
}

func TestRollbackErrors(t *testing.T) {
	fake := withReleases()
	startDaemon(t, fake)
	r := paasctl(t, "", "rollback", "v9", "-a", "hello")
	r.mustFail(t, "not found", "paasctl releases -a hello")
	if r.stdout != "Rolling back hello to v9... failed\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	paasctl(t, "", "rollback", "last", "-a", "hello").mustFail(t, `"last" is not a release version: give it as v3 or 3`)
	paasctl(t, "", "rollback", "v1", "v2", "-a", "hello").mustFail(t, "too many arguments")
	if _, rollbacks, _, _ := recorded(fake); len(rollbacks) != 1 {
		t.Errorf("sent %v, want only the v9 attempt", rollbacks)
	}
}

func TestReleasesVerify(t *testing.T) {
	fake := withReleases()
	startDaemon(t, fake)
	if out := paasctl(t, "", "releases:verify", "-a", "hello").mustSucceed(t); out != "hello: 4 releases, chain intact\n" {
		t.Errorf("releases:verify printed %q", out)
	}

	fake.Verification = &api.Verification{App: "hello", OK: true, Checked: 1}
	if out := paasctl(t, "", "releases:verify", "-a", "hello").mustSucceed(t); out != "hello: 1 release, chain intact\n" {
		t.Errorf("releases:verify of one release printed %q", out)
	}

	fake.Verification = &api.Verification{App: "hello", Checked: 2, FirstBad: 2, Problem: "digest does not match its content"}
	r := paasctl(t, "", "releases:verify", "-a", "hello")
	r.mustFail(t)
	if r.stderr != "paasctl: hello: chain broken at v2: digest does not match its content\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	paasctl(t, "", "releases:verify", "-a", "nope").mustFail(t, "not found")
}

func TestReleasesDiff(t *testing.T) {
	fake := withReleases()
	fake.Diff = &api.ReleaseDiff{
		CommitFrom: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", CommitTo: "5d6e7f8091a2b3c4d1a2b3c4d5e6f708192a3b4c",
		ImageFrom: "paas/hello:1", ImageTo: "paas/hello:1",
		ConfigAdded: []string{"NEW"}, ConfigRemoved: []string{"GONE", "OLD"}, ConfigChanged: []string{"FOO"},
		ProcessesAdded: []string{}, ProcessesRemoved: []string{}, ProcessesChanged: []string{},
	}
	startDaemon(t, fake)

	out := paasctl(t, "", "releases:diff", "v1", "3", "-a", "hello").mustSucceed(t)
	want := "=== hello v1 -> v3\n" +
		"Commit:  1a2b3c4 -> 5d6e7f8\n" +
		"Image:   paas/hello:1 (unchanged)\n" +
		"Config vars:\n" +
		"+ NEW\n" +
		"- GONE\n" +
		"- OLD\n" +
		"~ FOO\n" +
		"Process types: unchanged\n"
	if out != want {
		t.Errorf("releases:diff printed\n%s\nwant\n%s", out, want)
	}
	_, _, diffs, _ := recorded(fake)
	if fmt.Sprint(diffs) != "[[1 3]]" {
		t.Errorf("asked for %v, want [[1 3]]", diffs)
	}

	var d api.ReleaseDiff
	out = paasctl(t, "", "releases:diff", "3", "v1", "-a", "hello", "--json").mustSucceed(t)
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.From != 3 || d.To != 1 || len(d.ConfigRemoved) != 2 {
		t.Errorf("releases:diff --json = %+v, %v", d, err)
	}
	if !strings.Contains(out, `"processes_added": []`) {
		t.Errorf("--json sends an empty list as %s", out)
	}
}

func TestReleasesDiffProcessesAndErrors(t *testing.T) {
	fake := withReleases()
	fake.Diff = &api.ReleaseDiff{ImageTo: "paas/hello:2", ProcessesAdded: []string{"worker"}, ProcessesChanged: []string{"web"}}
	startDaemon(t, fake)
	out := paasctl(t, "", "releases:diff", "v2", "v4", "-a", "hello").mustSucceed(t)
	for _, want := range []string{"Commit:  none (unchanged)\n", "Image:   none -> paas/hello:2\n", "Config vars: unchanged\n", "Process types:\n+ worker\n~ web\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("releases:diff lacks %q:\n%s", want, out)
		}
	}

	paasctl(t, "", "releases:diff", "v1", "-a", "hello").mustFail(t, "missing vB: usage: paasctl releases:diff vA vB")
	paasctl(t, "", "releases:diff", "-a", "hello").mustFail(t, "missing vA vB")
	paasctl(t, "", "releases:diff", "v1", "latest", "-a", "hello").mustFail(t, `"latest" is not a release version: give it as v3 or 3`)
	paasctl(t, "", "releases:diff", "v1", "v9", "-a", "hello").mustFail(t, "not found", "paasctl releases -a hello")
}

func TestActorReachesPlatform(t *testing.T) {
	fake := withReleases()
	startDaemon(t, fake)
	paasctl(t, "", "config:set", "A=1", "-a", "hello").mustSucceed(t)
	paasctl(t, "", "rollback", "-a", "hello").mustSucceed(t)
	_, _, _, actors := recorded(fake)
	if len(actors) != 2 || actors[0] != actor() || actors[1] != actor() {
		t.Fatalf("the platform saw actors %q, want %q twice", actors, actor())
	}
	if !regexp.MustCompile(`^[!-~]+@[!-~]+ via paasctl$`).MatchString(actors[0]) {
		t.Errorf("actor %q is not user@host via paasctl", actors[0])
	}
	// The release records it, and releases shows it.
	if out := paasctl(t, "", "releases", "-a", "hello", "-n", "1").mustSucceed(t); !strings.Contains(out, actor()) {
		t.Errorf("releases does not show the actor %q:\n%s", actor(), out)
	}
}

func TestActorFallsBack(t *testing.T) {
	if got := actor(); !strings.HasSuffix(got, " via paasctl") || strings.HasPrefix(got, " ") {
		t.Errorf("actor() = %q", got)
	}
}
