package gitserver

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paas-dev/paas/internal/gittest"
)

// The objects of a rejected push never join the repository; an accepted
// push's do; and a push after a rejected one still works, thin or not.
func TestRejectedPushesLeaveNoObjects(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	work := g.NewWorkRepo()
	g.Must(work, "remote", "add", "paas", ts.remote("myapp"))
	g.Must(work, "push", "paas", "main")
	accepted := objectFiles(t, filepath.Join(ts.reposDir, "myapp.git"))

	ts.deployer.setFail(errors.New("the build failed"))
	for i := range 3 {
		gittest.WriteFile(t, work, "data.txt", randomText(t, 2<<20)) // 2 MiB that does not compress
		g.Must(work, "add", ".")
		g.Must(work, "commit", "-q", "-m", "rejected "+string(rune('a'+i)))
		if out, err := g.Run(work, "push", "paas", "main"); err == nil {
			t.Fatalf("a push whose deploy failed succeeded:\n%s", out)
		}
		if got := objectFiles(t, filepath.Join(ts.reposDir, "myapp.git")); !slices.Equal(got, accepted) {
			t.Fatalf("after rejected push %d the repository holds\n%v\nwant\n%v", i+1, got, accepted)
		}
	}

	ts.deployer.setFail(nil)
	g.Must(work, "push", "paas", "main")
	if got := objectFiles(t, filepath.Join(ts.reposDir, "myapp.git")); len(got) <= len(accepted) {
		t.Errorf("an accepted push added no objects: %v", got)
	}
	// A small change on top travels as a delta against stored objects.
	gittest.WriteFile(t, work, "data.txt", randomText(t, 2<<20)[:100]+"x")
	g.Must(work, "commit", "-q", "-am", "small change")
	g.Must(work, "push", "paas", "main")
	last := ts.deployer.last(t)
	if last.Files["data.txt"] == "" {
		t.Errorf("the last push's build context lacks data.txt: %v", last.Files)
	}
}

// A crash during a push leaves its quarantine: the next start removes it.
func TestQuarantinesOfACrashAreRemovedAtStart(t *testing.T) {
	reposDir := t.TempDir()
	left := filepath.Join(reposDir, "myapp.git", quarantinePrefix+"123", "objects", "pack")
	if err := os.MkdirAll(left, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(left, "pack-1.pack"), []byte("PACK"), 0o600); err != nil {
		t.Fatal(err)
	}
	New(reposDir, fakeApps{}, &fakeDeployer{}, nil)
	if _, err := os.Stat(filepath.Dir(filepath.Dir(left))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the quarantine of a push cut short is still there: %v", err)
	}
}
