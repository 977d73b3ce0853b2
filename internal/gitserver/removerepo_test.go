package gitserver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/gittest"
)

// RemoveRepo waits for a push in its deploy: a deploy that succeeds writes
// its ref, and that must not land in a removed repository (or in that of an
// app created next under the same name) as a stray refs/heads/main.
func TestRemoveRepoWaitsForThePushInItsDeploy(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.deployer.holdDeploys()
	push := startGit(t, g, g.NewWorkRepo(), "push", ts.remote("myapp"), "main")
	ts.deployer.waitHolding(t)

	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := ts.git.RemoveRepo(short, "myapp"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("RemoveRepo during a deploy = %v, want it to wait for the push (and give up with its context)", err)
	}
	close(ts.deployer.hold)
	if out, err := push.wait(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	if err := ts.git.RemoveRepo(context.Background(), "myapp"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ts.reposDir, "myapp.git")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("repository still there after RemoveRepo: %v", err)
	}
}

// The push carries the id of the app it started for, for the deployer to
// check when it finishes.
func TestPushCarriesTheAppID(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	g.Must(g.NewWorkRepo(), "push", ts.remote("myapp"), "main")
	if got := ts.deployer.last(t).Push.AppID; got != "id-myapp" {
		t.Errorf("Push.AppID = %q, want %q", got, "id-myapp")
	}
}
