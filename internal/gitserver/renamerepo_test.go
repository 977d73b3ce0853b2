package gitserver

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/gittest"
)

// The renamed repository keeps its history.
func TestRenameRepo(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true, "renamed": true})
	work := g.NewWorkRepo()
	g.Must(work, "push", ts.remote("myapp"), "main")
	// A leftover of a destroyed app under the new name is replaced.
	if err := os.MkdirAll(filepath.Join(ts.reposDir, "renamed.git", "junk"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := ts.git.RenameRepo("myapp", "renamed"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ts.reposDir, "myapp.git")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old repository still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(ts.reposDir, "renamed.git", "junk")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover under the new name kept: %v", err)
	}
	want := strings.TrimSpace(g.Must(work, "rev-parse", "main"))
	repo, err := ts.git.openRepo("renamed")
	if err != nil {
		t.Fatal(err)
	}
	if ref, err := repo.Reference("refs/heads/main", true); err != nil || ref.Hash().String() != want {
		t.Errorf("main of the renamed repository = %v, %v; want %s", ref, err, want)
	}
	// An app never pushed to has no repository to move.
	if err := ts.git.RenameRepo("never", "other"); err != nil {
		t.Errorf("RenameRepo of an app without a repository: %v", err)
	}
	if err := ts.git.RenameRepo("renamed", "../etc"); err == nil {
		t.Error("RenameRepo accepted an invalid app name")
	}
}

// RenameRepo refuses at once while a push deploys: that deploy may wait for
// the renaming caller's own lock.
func TestRenameRepoRefusesDuringAPush(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.deployer.holdDeploys()
	push := startGit(t, g, g.NewWorkRepo(), "push", ts.remote("myapp"), "main")
	ts.deployer.waitHolding(t)
	if err := ts.git.RenameRepo("myapp", "renamed"); !errors.Is(err, ErrPushUnderway) {
		t.Errorf("RenameRepo during a push = %v, want ErrPushUnderway", err)
	}
	close(ts.deployer.hold)
	if out, err := push.wait(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	if err := ts.git.RenameRepo("myapp", "renamed"); err != nil {
		t.Errorf("RenameRepo after the push: %v", err)
	}
}
