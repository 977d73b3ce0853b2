package builder

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/gittest"

	"github.com/go-git/go-git/v5"
)

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 1023: "1023 bytes", 1024: "1 KiB", 1536: "1.5 KiB",
		100 << 20: "100 MiB", 120 << 20: "120 MiB", 1 << 30: "1 GiB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
	if s, l := SizesApart(1<<20+1, 1<<20); s == l {
		t.Errorf("sizesApart gives the same text %q for different sizes", s)
	}
}

func pushOf(t *testing.T, g gittest.Git, dir string) Push {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	return Push{App: "myapp", Branch: "main", Commit: g.Must(dir, "rev-parse", "HEAD"), Repo: repo}
}

func TestReadFileTooLarge(t *testing.T) {
	g := gittest.New(t)
	dir := g.NewWorkRepo()
	const size = 32 << 20
	gittest.ZerosFile(t, dir, "Procfile", size)
	g.Must(dir, "add", ".")
	g.Must(dir, "commit", "-q", "-m", "big Procfile")
	p := pushOf(t, g, dir)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := p.ReadFile("Procfile", 1<<20)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadFile = %v, want ErrTooLarge", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "32 MiB") || !strings.Contains(msg, "1 MiB") {
		t.Errorf("error %q does not give the size and the limit", msg)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("refused ReadFile allocated %d bytes, for a file of %d", alloc, size)
	}

	data, err := p.ReadFile("Procfile", size)
	if err != nil || len(data) != size {
		t.Errorf("ReadFile at exactly the limit = %d bytes, %v", len(data), err)
	}
	if _, err := p.ReadFile("Dockerfile", int64(len("FROM scratch\n"))-1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("ReadFile one byte over the limit = %v, want ErrTooLarge", err)
	}
}

func TestHasFile(t *testing.T) {
	p := commitFixture(t)
	for name, want := range map[string]bool{
		"Dockerfile":            true,
		"app/conf/settings.txt": true,
		"start":                 true, // symlink
		"app":                   false,
		"vendor/lib":            false, // submodule
		"missing":               false,
		"nodir/file":            false,
		"Dockerfile/x":          false,
	} {
		got, err := p.HasFile(name)
		if err != nil || got != want {
			t.Errorf("HasFile(%q) = %v, %v, want %v", name, got, err, want)
		}
	}
	if _, err := (Push{Commit: "nope"}).HasFile("Dockerfile"); err == nil {
		t.Error("HasFile without a repository succeeded")
	}
}

func TestWriteTarRefusesLongSymlink(t *testing.T) {
	g := gittest.New(t)
	dir := g.NewWorkRepo()
	// Too long for the OS to make, so the blob is written directly.
	gittest.WriteFile(t, dir, "target.txt", strings.Repeat("a/", 2600))
	blob := g.Must(dir, "hash-object", "-w", "target.txt")
	if err := os.Remove(filepath.Join(dir, "target.txt")); err != nil {
		t.Fatal(err)
	}
	g.Must(dir, "update-index", "--add", "--cacheinfo", "120000,"+blob+",link")
	g.Must(dir, "commit", "-q", "-m", "long link")
	err := pushOf(t, g, dir).WriteTar(io.Discard)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "link") {
		t.Errorf("WriteTar = %v, want ErrTooLarge naming the symlink", err)
	}
}
