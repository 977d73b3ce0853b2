package platform

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/builder"
)

// contentBuilder gives builds of the same marker file the same image ID, as
// the engine does for identical content.
type contentBuilder struct{}

func (contentBuilder) Build(_ context.Context, buildContext io.Reader, _ builder.BuildOptions, _ io.Writer) (string, error) {
	tr := tar.NewReader(buildContext)
	id := "sha256:empty"
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
		if h.Name == "marker" {
			b, err := io.ReadAll(tr)
			if err != nil {
				return "", err
			}
			id = "sha256:content-" + string(b)
		}
	}
}

// An image two apps' builds share must outlive retention and the destroy of
// one of them while the other's kept release uses it.
func TestImageSharedByAnotherAppIsKept(t *testing.T) {
	f := newFixture(t, 1)
	f.p.builder = contentBuilder{}
	f.createApp(t, "one")
	f.createApp(t, "two")
	f.mustPush(t, "one", "x")
	f.mustPush(t, "two", "x")
	f.mustPush(t, "two", "y") // x falls out of two's window of 1
	f.p.Prune(context.Background(), "two")
	if err := f.p.DestroyApp(context.Background(), "two"); err != nil {
		t.Fatal(err)
	}
	f.images.mu.Lock()
	removed := slices.Clone(f.images.removed)
	f.images.mu.Unlock()
	if slices.Contains(removed, "sha256:content-x") {
		t.Errorf("removed images %v: the image app one's current release runs is among them", removed)
	}
	if !slices.Contains(removed, "sha256:content-y") {
		t.Errorf("removed images %v: want two's own image removed with it", removed)
	}
}

// A rollback to a release whose image is gone says why it is gone and what
// to do.
func TestRollbackSaysWhyTheImageIsGone(t *testing.T) {
	ctx := context.Background()
	t.Run("retention", func(t *testing.T) {
		f := newFixture(t, 1)
		f.createApp(t, "hello")
		f.mustPush(t, "hello", "1")
		f.mustPush(t, "hello", "2")
		f.p.Prune(ctx, "hello")
		_, err := f.p.Rollback(ctx, "hello", 1, "t")
		if !errors.Is(err, ErrImageGone) || !strings.Contains(err.Error(), "removed by retention") ||
			!strings.Contains(err.Error(), "PAAS_KEEP_RELEASES") || !strings.Contains(err.Error(), "git push") {
			t.Errorf("err = %v, want ErrImageGone naming retention, PAAS_KEEP_RELEASES and git push", err)
		}
	})
	t.Run("outside paas", func(t *testing.T) {
		f := newFixture(t, 10)
		f.createApp(t, "hello")
		f.mustPush(t, "hello", "1")
		f.mustPush(t, "hello", "2")
		v1, _ := f.store.Release("hello", 1)
		f.images.Remove(ctx, "", v1.Image) // as docker rmi would
		_, err := f.p.Rollback(ctx, "hello", 1, "t")
		if !errors.Is(err, ErrImageGone) || !strings.Contains(err.Error(), "removed outside paas") || !strings.Contains(err.Error(), "git push") {
			t.Errorf("err = %v, want ErrImageGone saying it was removed outside paas", err)
		}
	})
}
