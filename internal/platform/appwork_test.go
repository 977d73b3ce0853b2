package platform

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/paas-dev/paas/internal/builder"
)

// gatedBuilder blocks each build until release is closed; with honourCtx,
// also until the build's context ends, as the Docker build does.
type gatedBuilder struct {
	once      sync.Once
	started   chan struct{} // closed when the first build starts
	release   chan struct{}
	honourCtx bool
}

func (b *gatedBuilder) Build(ctx context.Context, buildContext io.Reader, opts builder.BuildOptions, _ io.Writer) (string, error) {
	if _, err := io.Copy(io.Discard, buildContext); err != nil {
		return "", err
	}
	b.once.Do(func() { close(b.started) })
	done := ctx.Done()
	if !b.honourCtx {
		done = nil
	}
	select {
	case <-b.release:
		return "sha256:" + opts.Tag, nil
	case <-done:
		return "", ctx.Err()
	}
}

// commitPush is a push of a commit with a Dockerfile.
func commitPush(t *testing.T, app, appID string) builder.Push {
	t.Helper()
	repo, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	fh, err := wt.Filesystem.Create("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fh, "FROM scratch\n")
	fh.Close()
	if _, err := wt.Add("Dockerfile"); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}
	hash, err := wt.Commit("c", &git.CommitOptions{Author: sig})
	if err != nil {
		t.Fatal(err)
	}
	return builder.Push{App: app, AppID: appID, Branch: "main", Commit: hash.String(), Repo: repo}
}

// Destroying an app during its build and creating one of the same name: the
// old push must not deploy into the new app, whether its build is ended by the
// destroy or finishes all the same.
func TestDestroyDuringBuildThenRecreateDeploysNothing(t *testing.T) {
	for _, honourCtx := range []bool{true, false} {
		name := "build ended by destroy"
		if !honourCtx {
			name = "build finishes anyway"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, 10)
			gb := &gatedBuilder{started: make(chan struct{}), release: make(chan struct{}), honourCtx: honourCtx}
			f.p.builder = gb
			old, err := f.p.CreateApp(context.Background(), "hello")
			if err != nil {
				t.Fatal(err)
			}
			oldID, err := f.p.AppID(context.Background(), "hello")
			if err != nil || oldID == "" {
				t.Fatalf("AppID = %q, %v", oldID, err)
			}
			push := commitPush(t, old.Name, oldID)
			result := make(chan error, 1)
			go func() { result <- f.p.Deploy(context.Background(), push, io.Discard) }()
			<-gb.started

			if err := f.p.DestroyApp(context.Background(), "hello"); err != nil {
				t.Fatal(err)
			}
			f.createApp(t, "hello")
			if !honourCtx {
				close(gb.release)
			}
			// With honourCtx the build is never let go: the destroy must
			// have ended it.
			var deployErr error
			select {
			case deployErr = <-result:
			case <-time.After(10 * time.Second):
				t.Fatal("the destroyed app's push did not end")
			}
			if !errors.Is(deployErr, errAppReplaced) || !strings.Contains(deployErr.Error(), "push again") {
				t.Errorf("Deploy error = %v, want it to say the app was destroyed and to push again", deployErr)
			}
			if rels, err := f.store.Releases("hello"); err != nil || len(rels) != 0 {
				t.Errorf("new app's releases = %+v, %v; want none", rels, err)
			}
			if builds, err := f.store.Builds("hello"); err != nil || len(builds) != 0 {
				t.Errorf("new app's builds = %+v, %v; want none", builds, err)
			}
			if got := f.events.all(); strings.Contains(got, "Build succeeded") {
				t.Errorf("the destroyed app's build spoke in the logs:\n%s", got)
			}
		})
	}
}

// A push that started for the destroyed app, but reaches Deploy only after an
// app of the same name was created (it was receiving objects meanwhile).
func TestPushOfADestroyedAppIsRefusedByItsSuccessor(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	oldID, err := f.p.AppID(context.Background(), "hello")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.p.DestroyApp(context.Background(), "hello"); err != nil {
		t.Fatal(err)
	}
	f.createApp(t, "hello")
	err = f.p.Deploy(context.Background(), commitPush(t, "hello", oldID), io.Discard)
	if !errors.Is(err, errAppReplaced) {
		t.Fatalf("Deploy error = %v, want errAppReplaced", err)
	}
	if f.builder.builds != 0 {
		t.Errorf("%d builds for a push of a destroyed app, want none", f.builder.builds)
	}
	// The new app's own pushes deploy.
	newID, _ := f.p.AppID(context.Background(), "hello")
	if err := f.p.Deploy(context.Background(), commitPush(t, "hello", newID), io.Discard); err != nil {
		t.Fatalf("push to the new app: %v", err)
	}
}

// The image tags of an app and of one created under its name after a destroy
// differ, even for one commit: the destroyed app's late cleanup removes only
// its own.
func TestRecreatedAppTagsItsImagesApart(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	tagOf := func(push builder.Push) string {
		t.Helper()
		id, err := f.p.AppID(ctx, "hello")
		if err != nil {
			t.Fatal(err)
		}
		push.AppID = id
		if err := f.p.Deploy(ctx, push, io.Discard); err != nil {
			t.Fatal(err)
		}
		builds, err := f.store.Builds("hello")
		if err != nil || len(builds) != 1 {
			t.Fatalf("builds = %+v, %v", builds, err)
		}
		return builds[0].Tag
	}
	push := commitPush(t, "hello", "")
	f.createApp(t, "hello")
	first := tagOf(push)
	if err := f.p.DestroyApp(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	f.createApp(t, "hello")
	if second := tagOf(push); second == first {
		t.Errorf("both apps called hello tag commit %s as %s", push.Commit[:7], first)
	}
}
