package builder

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/internal/dockertest"
)

func TestImageBuild(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	b := NewImageBuilder(cli)

	t.Run("success", func(t *testing.T) {
		tag := "paas-test-build:" + dockertest.RandomSuffix()
		removeImageAtCleanup(t, cli, tag)
		var out bytes.Buffer
		id, err := b.Build(context.Background(), buildContext(t, "FROM "+base+"\nRUN echo hello-from-build\n"),
			BuildOptions{Tag: tag}, &out)
		if err != nil {
			t.Fatalf("build: %v\n%s", err, out.String())
		}
		if !strings.HasPrefix(id, "sha256:") {
			t.Errorf("image ID = %q, want sha256:...", id)
		}
		if !strings.Contains(out.String(), "hello-from-build") {
			t.Errorf("build output lacks the RUN output:\n%s", out.String())
		}
		img, err := cli.ImageInspect(context.Background(), tag)
		if err != nil {
			t.Fatal(err)
		}
		if img.ID != id {
			t.Errorf("tagged image %s, want %s", img.ID, id)
		}
	})

	t.Run("failing step", func(t *testing.T) {
		tag := "paas-test-build:" + dockertest.RandomSuffix()
		removeImageAtCleanup(t, cli, tag)
		var out bytes.Buffer
		_, err := b.Build(context.Background(), buildContext(t, "FROM "+base+"\nRUN exit 3\n"), BuildOptions{Tag: tag}, &out)
		var be *BuildError
		if !errors.As(err, &be) {
			t.Fatalf("error = %v, want a *BuildError", err)
		}
		if !strings.Contains(err.Error(), "returned a non-zero code: 3") {
			t.Errorf("error %q lacks the exit code", err)
		}
	})
}

func buildContext(t *testing.T, dockerfile string) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), ModTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(dockerfile)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

// removeImageAtCleanup removes the built image; it runs before the base
// image's cleanup, which was registered earlier.
func removeImageAtCleanup(t *testing.T, cli *client.Client, ref string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = cli.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true})
	})
}
