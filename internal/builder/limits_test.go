package builder

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 1023: "1023 bytes", 1024: "1 KiB", 1536: "1.5 KiB",
		100 << 20: "100 MiB", 120 << 20: "120 MiB", 1 << 30: "1 GiB",
	} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
	if s, l := sizesApart(1<<20+1, 1<<20); s == l {
		t.Errorf("sizesApart gives the same text %q for different sizes", s)
	}
}

// zerosFile writes a file of size zero bytes, sparse, so large ones cost
// no disk.
func zerosFile(t *testing.T, dir, name string, size int64) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

func pushOf(t *testing.T, g gitEnv, dir string) Push {
	t.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	return Push{App: "myapp", Branch: "main", Commit: g.must(dir, "rev-parse", "HEAD"), Repo: repo}
}

func TestReadFileTooLarge(t *testing.T) {
	g := newGitEnv(t)
	dir := g.newWorkRepo()
	const size = 32 << 20
	zerosFile(t, dir, "Procfile", size)
	g.must(dir, "add", ".")
	g.must(dir, "commit", "-q", "-m", "big Procfile")
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
	g := newGitEnv(t)
	dir := g.newWorkRepo()
	// Too long for the OS to make, so the blob is written directly.
	writeFile(t, dir, "target.txt", strings.Repeat("a/", 2600))
	blob := g.must(dir, "hash-object", "-w", "target.txt")
	if err := os.Remove(filepath.Join(dir, "target.txt")); err != nil {
		t.Fatal(err)
	}
	g.must(dir, "update-index", "--add", "--cacheinfo", "120000,"+blob+",link")
	g.must(dir, "commit", "-q", "-m", "long link")
	err := pushOf(t, g, dir).WriteTar(io.Discard)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "link") {
		t.Errorf("WriteTar = %v, want ErrTooLarge naming the symlink", err)
	}
}

// objectFiles lists the files under a repository's objects directory.
func objectFiles(t *testing.T, repoDir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(repoDir, "objects"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return files
}

func TestPushOfTooLargeFileIsRefused(t *testing.T) {
	g := newGitEnv(t)
	ts := newTestServer(t, fakeApps{"myapp": true, "newapp": true})
	work := g.newWorkRepo()
	g.must(work, "remote", "add", "paas", ts.remote("myapp"))
	g.must(work, "push", "paas", "main")
	good := g.must(work, "rev-parse", "HEAD")
	repoDir := filepath.Join(ts.reposDir, "myapp.git")
	objects := objectFiles(t, repoDir)

	zerosFile(t, work, "big.bin", 120<<20)
	g.must(work, "add", ".")
	g.must(work, "commit", "-q", "-m", "big")
	const want = "file of 120 MiB exceeds the 100 MiB limit per file; keep large files out of the repository"
	out, err := g.run(work, "push", "paas", "main")
	if err == nil {
		t.Fatalf("push of a 120 MiB file succeeded:\n%s", out)
	}
	if !strings.Contains(out, "remote:  !     "+want) || !strings.Contains(out, "[remote rejected] main -> main ("+want+")") {
		t.Errorf("push output lacks %q:\n%s", want, out)
	}
	if got, _ := ts.ref(t, "myapp", branchMain); got.String() != good {
		t.Errorf("server main = %s after a refused push, want %s", got, good)
	}
	if got := objectFiles(t, repoDir); !slices.Equal(got, objects) {
		t.Errorf("refused push wrote objects:\nbefore %v\nafter  %v", objects, got)
	}
	if n := len(ts.deployer.all()); n != 1 {
		t.Errorf("deployer called %d times, want 1", n)
	}

	t.Run("first push", func(t *testing.T) {
		g := g.in(t)
		if out, err := g.run(work, "push", ts.remote("newapp"), "main"); err == nil || !strings.Contains(out, want) {
			t.Errorf("first push of a 120 MiB file: err %v, output lacks %q:\n%s", err, want, out)
		}
		// Only myapp's repository: none for newapp, no spooled pack left.
		entries, err := os.ReadDir(ts.reposDir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "myapp.git" {
			t.Errorf("repositories directory holds %v, want only myapp.git", entries)
		}
	})
}

func TestPushOfMediumFile(t *testing.T) {
	g := newGitEnv(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	work := g.newWorkRepo()
	zerosFile(t, work, "medium.bin", 5<<20)
	g.must(work, "add", ".")
	g.must(work, "commit", "-q", "-m", "medium")
	g.must(work, "push", ts.remote("myapp"), "main")
	if d := ts.deployer.last(t); len(d.Files["medium.bin"]) != 5<<20 {
		t.Errorf("deployed medium.bin has %d bytes, want %d", len(d.Files["medium.bin"]), 5<<20)
	}
}

// TestScanPackDeltaTarget checks the size of the object a delta makes, which
// its pack header does not give: a small delta can make a large file.
func TestScanPackDeltaTarget(t *testing.T) {
	g := newGitEnv(t)
	dir := g.newWorkRepo()
	base := make([]byte, 600<<10)
	if _, err := rand.Read(base); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data.bin"), base, 0o644); err != nil {
		t.Fatal(err)
	}
	g.must(dir, "add", ".")
	g.must(dir, "commit", "-q", "-m", "base")
	old := g.must(dir, "rev-parse", "HEAD")
	// The base and a third of it again: a delta of two copies, a few bytes
	// for 800 KiB. (git does not delta a file more than twice its base.)
	if err := os.WriteFile(filepath.Join(dir, "data.bin"), append(base, base[:200<<10]...), 0o644); err != nil {
		t.Fatal(err)
	}
	g.must(dir, "commit", "-q", "-am", "grown")

	cmd := g.command(dir, "pack-objects", "--stdout", "--thin", "--revs", "-q")
	cmd.Stdin = strings.NewReader("HEAD\n^" + old + "\n")
	pack, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if len(pack) > 10<<10 {
		t.Fatalf("pack of %d bytes: git sent the file whole, not as a delta", len(pack))
	}
	info, err := scanPack(bytes.NewReader(pack), 800<<10)
	if err != nil || !info.thin || info.objects != 3 {
		t.Errorf("scanPack under an 800 KiB limit = %+v, %v; want a thin pack of 3 objects", info, err)
	}
	_, err = scanPack(bytes.NewReader(pack), 700<<10)
	var rf *refusal
	if !errors.As(err, &rf) || !strings.Contains(rf.msg, "file of 800 KiB exceeds the 700 KiB limit") {
		t.Errorf("scanPack under a 700 KiB limit = %v, want the 800 KiB file refused", err)
	}
	if _, err := scanPack(bytes.NewReader(pack[:len(pack)-1]), 1<<20); err == nil {
		t.Error("scanPack accepted a truncated pack")
	}
}

func TestPushOverMaxPushBytesIsRefused(t *testing.T) {
	g := newGitEnv(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.git.SetLimits(GitServerOptions{MaxPushBytes: 256 << 10})
	if got := ts.git.Limits(); got.MaxObjectBytes != DefaultMaxObjectBytes {
		t.Errorf("MaxObjectBytes = %d after setting only MaxPushBytes, want the default", got.MaxObjectBytes)
	}
	const want = "push exceeds the 256 KiB limit per push; push fewer commits at a time and keep large files out of the repository"
	for _, tt := range []struct {
		name string
		size int
		out  string
	}{
		// Up to twice the limit the server reads the whole request, so
		// git shows the refusal on the ref.
		{"just over", 400 << 10, "[remote rejected] main -> main (" + want + ")"},
		// Beyond, the server stops reading: git shows the side-band line,
		// then a failed request.
		{"far over", 2 << 20, "remote:  !     " + want},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := g.in(t)
			work := g.newWorkRepo()
			data := make([]byte, tt.size)
			if _, err := rand.Read(data); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(work, "data.bin"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			g.must(work, "add", ".")
			g.must(work, "commit", "-q", "-m", "data")
			out, err := g.run(work, "push", ts.remote("myapp"), "main")
			if err == nil {
				t.Fatalf("push over MaxPushBytes succeeded:\n%s", out)
			}
			if !strings.Contains(out, tt.out) {
				t.Errorf("push output lacks %q:\n%s", tt.out, out)
			}
		})
	}
	if _, ok := ts.ref(t, "myapp", branchMain); ok {
		t.Error("refused push created main")
	}
	if n := len(ts.deployer.all()); n != 0 {
		t.Errorf("deployer called %d times", n)
	}
}

// TestGzipBodyIsCapped sends a small gzip body that inflates past
// MaxPushBytes.
func TestGzipBodyIsCapped(t *testing.T) {
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.git.SetLimits(GitServerOptions{MaxPushBytes: 1 << 20})
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	line := plumbing.ZeroHash.String() + " " + strings.Repeat("1", 40) + " refs/heads/main\x00report-status side-band-64k\n"
	fmt.Fprintf(zw, "%04x%s0000PACK", len(line)+4, line)
	if _, err := zw.Write(make([]byte, 8<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if body.Len() > 1<<20 {
		t.Fatalf("gzip body of %d bytes is not under the limit", body.Len())
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
	if !strings.Contains(string(got), "ng refs/heads/main push exceeds the 1 MiB limit per push") {
		t.Errorf("response lacks the refusal: %q", got)
	}
}
