package gitserver

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/gittest"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestPushDeploysAndRepushes(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	work := g.NewWorkRepo()
	// Random content does not compress, so the next commit's small change
	// travels as a delta against a blob only the server has: a thin pack.
	big := randomText(t, 64<<10)
	gittest.WriteFile(t, work, "data.txt", big)
	g.Must(work, "add", ".")
	g.Must(work, "commit", "-q", "-m", "data")
	g.Must(work, "remote", "add", "paas", ts.remote("myapp"))

	out := g.Must(work, "push", "paas", "main")
	if !strings.Contains(out, "remote: -----> fake deploy of") || !strings.Contains(out, "remote: -----> fake release is live") {
		t.Errorf("push output lacks the deployer's progress as remote: lines:\n%s", out)
	}
	head := g.Must(work, "rev-parse", "HEAD")
	d := ts.deployer.last(t)
	if d.Push.App != "myapp" || d.Push.Branch != "main" || d.Push.Commit != head {
		t.Errorf("deployed %+v, want app myapp, branch main, commit %s", d.Push, head)
	}
	if d.Procfile != "web: httpd -f -p $PORT\n" {
		t.Errorf("Procfile read in deploy = %q", d.Procfile)
	}
	if got, ok := ts.ref(t, "myapp", branchMain); !ok || got.String() != head {
		t.Errorf("server main = %s (exists %v), want %s", got, ok, head)
	}
	if got, ok := ts.ref(t, "myapp", plumbing.HEAD); !ok || got.String() != head {
		t.Errorf("server HEAD resolves to %s (exists %v), want %s", got, ok, head)
	}

	t.Run("second push sends a thin pack", func(t *testing.T) {
		g := g.In(t)
		gittest.WriteFile(t, work, "data.txt", big[:1000]+"changed\n"+big[1000:])
		g.Must(work, "commit", "-q", "-am", "change")
		g.Must(work, "push", "paas", "main")
		d := ts.deployer.last(t)
		if d.Push.Commit != g.Must(work, "rev-parse", "HEAD") || !strings.Contains(d.Files["data.txt"], "changed\n") {
			t.Errorf("second push deployed %s without the change", d.Push.Commit)
		}
	})

	t.Run("force push of an amended commit", func(t *testing.T) {
		g := g.In(t)
		gittest.WriteFile(t, work, "Procfile", "web: amended\n")
		g.Must(work, "commit", "-q", "-a", "--amend", "-m", "amended")
		if out, err := g.Run(work, "push", "paas", "main"); err == nil {
			t.Fatalf("non-fast-forward push without --force succeeded:\n%s", out)
		}
		g.Must(work, "push", "--force", "paas", "main")
		head := g.Must(work, "rev-parse", "HEAD")
		if d := ts.deployer.last(t); d.Push.Commit != head || d.Procfile != "web: amended\n" {
			t.Errorf("force push deployed %s with Procfile %q, want %s", d.Push.Commit, d.Procfile, head)
		}
		if got, _ := ts.ref(t, "myapp", branchMain); got.String() != head {
			t.Errorf("server main = %s, want %s", got, head)
		}
	})
}

func TestPushLargerThanPostBuffer(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"bigapp": true})
	work := g.NewWorkRepo()
	big := make([]byte, 3<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	g.Must(work, "add", ".")
	g.Must(work, "commit", "-q", "-m", "big")
	g.Must(work, "push", ts.remote("bigapp"), "main")
	if d := ts.deployer.last(t); d.Files["big.bin"] != string(big) {
		t.Errorf("deployed big.bin differs (%d bytes, want %d)", len(d.Files["big.bin"]), len(big))
	}
	if n := ts.posts.Load(); n != 2 {
		t.Errorf("saw %d POSTs, want 2 (the probe, then the pack)", n)
	}
}

func TestPushRefused(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	work := g.NewWorkRepo()

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown app", []string{"push", ts.remote("nosuchapp"), "main"}, "app not found: nosuchapp (create it with: paasctl apps:create nosuchapp)"},
		{"invalid app name", []string{"push", ts.URL + "/git/Bad_Name.git", "main"}, "not found"},
		{"other branch", []string{"push", ts.remote("myapp"), "main:feature"}, "only main or master deploy: git push paas HEAD:main"},
		{"main and master at once", []string{"push", ts.remote("myapp"), "main:main", "main:master"}, "push main or master, not both"},
		{"clone", []string{"clone", ts.remote("myapp"), filepath.Join(t.TempDir(), "clone")}, "clone and fetch are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := g.Run(work, tt.args...)
			if err == nil {
				t.Fatalf("git %s succeeded:\n%s", strings.Join(tt.args, " "), out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
		})
	}
	if n := len(ts.deployer.all()); n != 0 {
		t.Errorf("deployer called %d times for refused pushes", n)
	}
	if _, err := os.Stat(filepath.Join(ts.reposDir, "myapp.git")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused pushes created the repository (stat: %v)", err)
	}
}

func TestPushDeployFailureKeepsRef(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	work := g.NewWorkRepo()
	g.Must(work, "remote", "add", "paas", ts.remote("myapp"))
	g.Must(work, "push", "paas", "main")
	good := g.Must(work, "rev-parse", "HEAD")

	ts.deployer.setFail(errors.New("build failed: The command '/bin/sh -c exit 3' returned a non-zero code: 3"))
	gittest.WriteFile(t, work, "Procfile", "web: broken\n")
	g.Must(work, "commit", "-q", "-am", "broken")
	out, err := g.Run(work, "push", "paas", "main")
	if err == nil {
		t.Fatalf("push of a failing deploy succeeded:\n%s", out)
	}
	for _, want := range []string{
		"remote:  !     build failed: The command '/bin/sh -c exit 3' returned a non-zero code: 3",
		"[remote rejected] main -> main (build failed: The command '/bin/sh -c exit 3' returned a non-zero code: 3)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got, _ := ts.ref(t, "myapp", branchMain); got.String() != good {
		t.Errorf("server main moved to %s after a failed deploy, want %s", got, good)
	}

	// The retry after a fix must still see main at the last good commit.
	ts.deployer.setFail(nil)
	g.Must(work, "push", "paas", "main")
	if got, _ := ts.ref(t, "myapp", branchMain); got.String() != g.Must(work, "rev-parse", "HEAD") {
		t.Errorf("server main = %s after a successful retry", got)
	}
}

func TestFirstPushDeployFailureCreatesNoRef(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.deployer.setFail(errors.New("no Dockerfile"))
	work := g.NewWorkRepo()
	if out, err := g.Run(work, "push", ts.remote("myapp"), "main"); err == nil {
		t.Fatalf("push succeeded:\n%s", out)
	}
	if h, ok := ts.ref(t, "myapp", branchMain); ok {
		t.Errorf("server main = %s after a failed first deploy", h)
	}
	// With the ref unset, the next push is again a first push.
	ts.deployer.setFail(nil)
	g.Must(work, "push", ts.remote("myapp"), "main")
}

func TestStaleOldValueIsRefused(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	work := g.NewWorkRepo()
	g.Must(work, "push", ts.remote("myapp"), "main")
	head := g.Must(work, "rev-parse", "HEAD")

	// As if this client's info/refs predated the push above: it claims main
	// does not exist yet. No pack, since the server has the commit. Gzipped,
	// as some clients do (git itself gzips only fetches).
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	line := plumbing.ZeroHash.String() + " " + head + " refs/heads/main\x00report-status side-band-64k\n"
	fmt.Fprintf(zw, "%04x%s0000", len(line)+4, line)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, ts.remote("myapp")+"/git-receive-pack", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-git-receive-pack-request")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(got), "ng refs/heads/main fetch first") {
		t.Errorf("response lacks the fetch-first refusal: %q", got)
	}
	if n := len(ts.deployer.all()); n != 1 {
		t.Errorf("deployer called %d times, want 1", n)
	}
}

func TestProbeAndDumbHTTP(t *testing.T) {
	ts := newTestServer(t, fakeApps{"myapp": true})
	resp, err := http.Post(ts.remote("myapp")+"/git-receive-pack", "application/x-git-receive-pack-request", strings.NewReader("0000"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Errorf("probe: %d %q, want an empty 200", resp.StatusCode, body)
	}

	resp, err = http.Get(ts.remote("myapp") + "/info/refs")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "dumb HTTP is not supported") {
		t.Errorf("dumb info/refs: %d %q, want 403 with a message", resp.StatusCode, body)
	}
}

func TestRemoveRepo(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	work := g.NewWorkRepo()
	g.Must(work, "push", ts.remote("myapp"), "main")
	if err := ts.git.RemoveRepo(context.Background(), "myapp"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(ts.reposDir, "myapp.git")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("repository still there: %v", err)
	}
	if err := ts.git.RemoveRepo(context.Background(), "../etc"); err == nil {
		t.Error("RemoveRepo accepted an invalid app name")
	}
}
