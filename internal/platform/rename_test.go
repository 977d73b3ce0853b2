package platform

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

func TestRenameApp(t *testing.T) {
	f, routes, logs := domainFixture(t)
	ctx := context.Background()
	f.createApp(t, "hello")
	f.mustPush(t, "hello", "1")
	before, err := f.p.App(ctx, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.AddDomain(ctx, "hello", "www.example.com"); err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := f.p.UpdateApp(ctx, "hello", api.AppUpdate{Maintenance: &on}); err != nil {
		t.Fatal(err)
	}

	name := "world"
	got, err := f.p.UpdateApp(ctx, "hello", api.AppUpdate{Name: &name})
	if err != nil {
		t.Fatalf("rename: %v", err)
	}
	if got.ID != before.ID || got.Name != "world" || got.CurrentRelease != 1 || !got.Maintenance ||
		got.WebURL != "http://world.localhost/" {
		t.Errorf("renamed app = %+v", got)
	}
	if _, err := f.p.App(ctx, "hello"); !errors.Is(err, releases.ErrNotFound) {
		t.Errorf("old name: %v, want not found", err)
	}
	apps, domains := routes.routed()
	if apps["hello"] || !apps["world"] || !slices.Equal(domains["world"], []string{"www.example.com"}) || !routes.maintenance["world"] {
		t.Errorf("routes = %v %v %v", apps, domains, routes.maintenance)
	}
	if !slices.Contains(f.runner.stopped, "hello") || f.runner.last().App != "world" || f.runner.last().Version != 1 {
		t.Errorf("runner: stopped %v, last deployed %+v; want hello stopped and v1 run as world", f.runner.stopped, f.runner.last())
	}
	if all := strings.Join(logs.all(), "\n"); !strings.Contains(all, "renamed hello to world") || !strings.Contains(all, "world paas[api]: Renamed from hello to world") {
		t.Errorf("logs:\n%s", all)
	}
	// The app goes on under its new name, and its old name is free.
	f.mustPush(t, "world", "2")
	if rels, err := f.p.Releases(ctx, "world"); err != nil || len(rels) != 2 {
		t.Errorf("releases after a push to the new name = %d, %v", len(rels), err)
	}
	if v, err := f.p.VerifyReleases(ctx, "world"); err != nil || v.FirstBad != 0 || v.Checked != 2 {
		t.Errorf("verify = %+v, %v", v, err)
	}
	f.createApp(t, "hello")
}

func TestRenameAppRefusals(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	f.createApp(t, "hello")
	f.createApp(t, "taken")
	for _, tt := range []struct {
		name string
		want error
	}{
		{"taken", releases.ErrExists},
		{"Bad_Name", releases.ErrInvalid},
		{"ends-", releases.ErrInvalid},
	} {
		if _, err := f.p.UpdateApp(ctx, "hello", api.AppUpdate{Name: &tt.name}); !errors.Is(err, tt.want) {
			t.Errorf("rename to %q = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := f.p.App(ctx, "hello"); err != nil {
		t.Errorf("a refused rename lost the app: %v", err)
	}
	same := "hello"
	if a, err := f.p.UpdateApp(ctx, "hello", api.AppUpdate{Name: &same}); err != nil || a.Name != "hello" {
		t.Errorf("rename to its own name = %+v, %v; want no change", a, err)
	}
}

// Through the real git client and git server: the repository moves with the
// app, so a push to the new remote builds on the history, and a rename while
// a push builds is refused at once as a conflict.
func TestRenameAppWithRealGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git binary not found: install git")
	}
	f := newFixture(t, 10)
	gb := &gatedBuilder{started: make(chan struct{}), release: make(chan struct{})}
	f.p.builder = gb
	gitURL, reposDir := f.serveGit(t)
	home := t.TempDir()
	ctx := context.Background()

	f.createApp(t, "hello")
	work := workRepo(t, home, "one")
	pushed := make(chan string, 1)
	go func() {
		out, _ := runGit(t, home, work, "push", gitURL+"/hello.git", "main")
		pushed <- out
	}()
	select {
	case <-gb.started:
	case <-time.After(30 * time.Second):
		t.Fatal("the build did not start")
	}
	name := "world"
	var apiErr *api.Error
	if _, err := f.p.UpdateApp(ctx, "hello", api.AppUpdate{Name: &name}); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusConflict ||
		!strings.Contains(apiErr.Message, "push is under way") {
		t.Fatalf("rename during a push = %v, want a 409 saying a push is under way", err)
	}
	close(gb.release)
	select {
	case out := <-pushed:
		if !strings.Contains(out, "main -> main") {
			t.Fatalf("first push:\n%s", out)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the push did not end")
	}

	if _, err := f.p.UpdateApp(ctx, "hello", api.AppUpdate{Name: &name}); err != nil {
		t.Fatalf("rename: %v", err)
	}
	if _, err := os.Stat(filepath.Join(reposDir, "world.git")); err != nil {
		t.Errorf("repository under the new name: %v", err)
	}
	if err := os.WriteFile(filepath.Join(work, "marker"), []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runGit(t, home, work, "commit", "-qam", "two"); err != nil {
		t.Fatalf("commit: %v\n%s", err, out)
	}
	// A fast-forward of main on the server: the history came along.
	out, err := runGit(t, home, work, "push", gitURL+"/world.git", "main")
	if err != nil || !strings.Contains(out, "..") {
		t.Fatalf("push to the new name: %v\n%s", err, out)
	}
	if out, _ := runGit(t, home, work, "push", gitURL+"/hello.git", "main"); !strings.Contains(out, "app not found") {
		t.Errorf("push to the old name:\n%s", out)
	}
	if rels, err := f.p.Releases(ctx, "world"); err != nil || len(rels) != 2 {
		t.Errorf("releases = %d, %v; want 2", len(rels), err)
	}
}
