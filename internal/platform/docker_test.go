package platform

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/dockertest"
	"github.com/paas-dev/paas/internal/releases"
)

// dockerPlatform is a platform on the real engine, as one paasd with
// daemonID, with a fake runner (this is about images), keeping keep releases.
func dockerPlatform(t *testing.T, cli *client.Client, daemonID string, keep int) (*Platform, *releases.Store) {
	t.Helper()
	store, err := releases.Open(filepath.Join(t.TempDir(), "paas.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	p := New(store, builder.NewImageBuilder(cli), DockerImages{API: cli}, &fakeRunner{}, fakeRoutes{}, Options{
		WebURL:       func(app string) string { return "http://" + app + ".localhost/" },
		GitURL:       func(app string) string { return "http://git/" + app + ".git" },
		KeepReleases: keep,
		Logger:       slog.New(slog.DiscardHandler),
		DaemonID:     daemonID,
	})
	t.Cleanup(p.Close)
	// Whatever the test leaves of this daemon's images.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		imgs, _ := cli.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("reference", "paas-"+daemonID+"/*"))})
		for _, img := range imgs {
			_, _ = cli.ImageRemove(ctx, img.ID, image.RemoveOptions{Force: true, PruneChildren: true})
		}
	})
	return p, store
}

// dockerCommit is a commit whose Dockerfile builds on base.
func dockerCommit(t *testing.T, base, marker string) (*git.Repository, string) {
	t.Helper()
	repo, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"Dockerfile": "FROM " + base + "\nCOPY marker /marker\n", "marker": marker} {
		fh, err := wt.Filesystem.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fh, body)
		fh.Close()
		if _, err := wt.Add(name); err != nil {
			t.Fatal(err)
		}
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Unix(1700000000, 0)}
	hash, err := wt.Commit(marker, &git.CommitOptions{Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	return repo, hash.String()
}

func deployCommit(t *testing.T, p *Platform, app string, repo *git.Repository, commit string) {
	t.Helper()
	var out bytes.Buffer
	if err := p.Deploy(context.Background(), builder.Push{App: app, Branch: "main", Commit: commit, Repo: repo}, &out); err != nil {
		t.Fatalf("deploy %s to %s: %v\n%s", commit[:7], app, err, out.String())
	}
}

// Two paasd on one engine, each with an app "hello" deployed from the same
// commit (so the same image ID): the second one's retention and destroy must
// leave the first one's image, and its tag, alone.
func TestTwoDaemonsOnOneEngineKeepEachOthersImages(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	ctx := context.Background()
	idA, idB := "a"+dockertest.RandomSuffix(), "b"+dockertest.RandomSuffix()
	pa, storeA := dockerPlatform(t, cli, idA, 10)
	pb, _ := dockerPlatform(t, cli, idB, 1)
	for _, p := range []*Platform{pa, pb} {
		if _, err := p.CreateApp(ctx, "hello"); err != nil {
			t.Fatal(err)
		}
	}
	repo, commit := dockerCommit(t, base, "one")
	deployCommit(t, pa, "hello", repo, commit)
	deployCommit(t, pb, "hello", repo, commit)
	relA, err := storeA.Release("hello", 1)
	if err != nil {
		t.Fatal(err)
	}
	buildA, err := storeA.Build("hello", relA.BuildID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("daemon A: %s %s", buildA.Tag, shortImage(relA.Image))
	imageAlive := func(when string) {
		t.Helper()
		info, err := cli.ImageInspect(ctx, buildA.Tag)
		if err != nil || info.ID != relA.Image {
			t.Fatalf("%s: daemon A's image %s (%s) = %s, %v; want it kept", when, buildA.Tag, shortImage(relA.Image), shortImage(info.ID), err)
		}
	}

	// B's retention (1 release) drops its image of the commit.
	repo2, commit2 := dockerCommit(t, base, "two")
	deployCommit(t, pb, "hello", repo2, commit2)
	pb.Prune(ctx, "hello")
	imageAlive("after the other daemon's retention")

	if err := pb.DestroyApp(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	imageAlive("after the other daemon destroyed its app of the same name")

	// And A's own destroy removes it.
	if err := pa.DestroyApp(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	if ok, err := (DockerImages{API: cli}).Exists(ctx, buildA.Tag); err != nil || ok {
		t.Errorf("daemon A's image after its own destroy: exists=%v, %v; want removed", ok, err)
	}
}
