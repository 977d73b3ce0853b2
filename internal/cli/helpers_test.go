package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
)

const testToken = "test-token-0123456789abcdef"

func TestMain(m *testing.M) {
	// git:remote points git's credential helper at this executable, which in
	// tests is the test binary: when git runs it, be paasctl.
	if len(os.Args) > 1 && os.Args[1] == "git:credential" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// isolate keeps the machine's own config, credentials, daemon token and git
// settings out of a test.
func isolate(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	t.Setenv("PAAS_DATA_DIR", t.TempDir())
	t.Setenv(envURL, "")
	t.Setenv(envToken, "")
	t.Setenv("NETRC", "")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_TERMINAL_PROMPT", "0")
	// Out of this source tree's own git repo, and any "paas" remote it has.
	t.Chdir(t.TempDir())
}

// startDaemon serves the API over a real listener behind the daemon's token
// check and points paasctl at it with the token in the environment.
func startDaemon(t *testing.T, p apiserver.Platform) string {
	t.Helper()
	isolate(t)
	r := mux.NewRouter()
	apiserver.Register(r, p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	t.Setenv(envToken, testToken)
	return srv.URL
}

type result struct {
	stdout, stderr string
	code           int
}

// paasctl runs the CLI in-process, the way Execute does.
func paasctl(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return result{out.String(), errOut.String(), code}
}

func (r result) mustSucceed(t *testing.T) string {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d, stderr: %s", r.code, r.stderr)
	}
	return r.stdout
}

func (r result) mustFail(t *testing.T, wantInStderr ...string) {
	t.Helper()
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stdout: %s", r.code, r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "paasctl: ") {
		t.Errorf("stderr %q does not start with \"paasctl: \"", r.stderr)
	}
	for _, w := range wantInStderr {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr %q lacks %q", r.stderr, w)
		}
	}
}

// gitRepo makes an empty repository and makes it the working directory.
func gitRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	runGit(t, dir, "init", "--quiet")
	t.Chdir(dir)
	return dir
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// recorded returns what the release commands asked of the platform so far:
// config changes, rollbacks, diffs, and who asked for each change.
func recorded(fake *apiservertest.Platform) (updates []api.ConfigUpdate, rollbacks []int, diffs [][2]int, actors []string) {
	for _, c := range fake.Calls() {
		switch c.Method {
		case "UpdateConfig":
			updates = append(updates, c.Changes)
			actors = append(actors, c.Actor)
		case "Rollback":
			rollbacks = append(rollbacks, c.Version)
			actors = append(actors, c.Actor)
		case "Scale":
			actors = append(actors, c.Actor)
		case "DiffReleases":
			diffs = append(diffs, [2]int{c.From, c.To})
		}
	}
	return updates, rollbacks, diffs, actors
}

// asked returns what the process commands asked of the platform so far.
func asked(fake *apiservertest.Platform) (scales []api.Formation, restarts []string, limits []api.Limits, settings []api.SettingsUpdate, runs []api.RunRequest) {
	for _, c := range fake.Calls() {
		switch c.Method {
		case "Scale":
			scales = append(scales, c.Formation)
		case "Restart":
			restarts = append(restarts, c.ProcessType)
		case "SetLimits":
			limits = append(limits, c.Limits)
		case "UpdateSettings":
			settings = append(settings, c.Settings)
		case "Run":
			runs = append(runs, c.Run)
		}
	}
	return scales, restarts, limits, settings, runs
}
