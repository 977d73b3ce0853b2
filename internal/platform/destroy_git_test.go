package platform

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/internal/gitserver"
)

// git runs the git client in dir with a private, empty configuration.
func runGit(t *testing.T, home, dir string, args ...string) (string, error) {
	t.Helper()
	full := append([]string{"-c", "user.name=Paas Test", "-c", "user.email=test@paas.invalid", "-c", "init.defaultBranch=main"}, args...)
	cmd := exec.Command("git", full...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + home,
		"GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "LANG=C", "LC_ALL=C"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func workRepo(t *testing.T, home, marker string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "marker"), []byte(marker), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"commit", "-q", "-m", marker}} {
		if out, err := runGit(t, home, dir, args...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// serveGit serves the platform's apps over git's smart HTTP on 127.0.0.1,
// with a real git server keeping its repositories in reposDir; pushes go to
// gitURL + "/<app>.git".
func (f *fixture) serveGit(t *testing.T) (gitURL, reposDir string) {
	t.Helper()
	reposDir = filepath.Join(t.TempDir(), "repos")
	git := gitserver.New(reposDir, f.p, f.p, nil)
	f.p.SetRepos(git)
	r := mux.NewRouter()
	git.Register(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL + "/git", reposDir
}

// The finding, through the real git client and git server: an app destroyed
// during its build and created again under its name. The old push must
// not deploy into the new app, and the new app's repository must take pushes.
func TestDestroyDuringBuildThenRecreateWithRealGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found")
	}
	f := newFixture(t, 10)
	gb := &gatedBuilder{started: make(chan struct{}), release: make(chan struct{}), honourCtx: true}
	f.p.builder = gb
	gitURL, reposDir := f.serveGit(t)
	remote := gitURL + "/hello.git"
	home := t.TempDir()

	f.createApp(t, "hello")
	oldWork := workRepo(t, home, "old")
	oldPush := make(chan string, 1)
	go func() {
		out, _ := runGit(t, home, oldWork, "push", remote, "main")
		oldPush <- out
	}()
	select {
	case <-gb.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the build did not start")
	}
	destroyed := make(chan error, 1)
	go func() { destroyed <- f.p.DestroyApp(context.Background(), "hello") }()
	select {
	case err := <-destroyed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("destroy did not finish while a push was building")
	}
	f.createApp(t, "hello")
	close(gb.release) // without the destroy ending it, the old build finishes now
	var out string
	select {
	case out = <-oldPush:
	case <-time.After(30 * time.Second):
		t.Fatal("the old push did not end")
	}
	if !strings.Contains(out, "destroyed") || !strings.Contains(out, "push again") {
		t.Errorf("old push output does not say the app was destroyed:\n%s", out)
	}

	newWork := workRepo(t, home, "new")
	if out, err := runGit(t, home, newWork, "push", remote, "main"); err != nil {
		t.Fatalf("push to the new app: %v\n%s", err, out)
	}
	want, _ := runGit(t, home, newWork, "rev-parse", "HEAD")
	rels, err := f.store.Releases("hello")
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 1 || rels[0].Commit != strings.TrimSpace(want) {
		t.Fatalf("new app's releases = %+v, want one, of commit %s", rels, want)
	}
	// paas serves no fetch: read the server's repository with git itself.
	got, err := runGit(t, home, filepath.Join(reposDir, "hello.git"), "rev-parse", "refs/heads/main")
	if err != nil || strings.TrimSpace(got) != strings.TrimSpace(want) {
		t.Errorf("new app's main = %q, %v; want %s", got, err, want)
	}
}
