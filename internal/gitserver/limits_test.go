package gitserver

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
	"slices"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/gittest"

	"github.com/go-git/go-git/v5/plumbing"
)

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
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true, "newapp": true})
	work := g.NewWorkRepo()
	g.Must(work, "remote", "add", "paas", ts.remote("myapp"))
	g.Must(work, "push", "paas", "main")
	good := g.Must(work, "rev-parse", "HEAD")
	repoDir := filepath.Join(ts.reposDir, "myapp.git")
	objects := objectFiles(t, repoDir)

	gittest.ZerosFile(t, work, "big.bin", 120<<20)
	g.Must(work, "add", ".")
	g.Must(work, "commit", "-q", "-m", "big")
	const want = "file of 120 MiB exceeds the 100 MiB limit per file; keep large files out of the repository"
	out, err := g.Run(work, "push", "paas", "main")
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
		g := g.In(t)
		if out, err := g.Run(work, "push", ts.remote("newapp"), "main"); err == nil || !strings.Contains(out, want) {
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
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	work := g.NewWorkRepo()
	gittest.ZerosFile(t, work, "medium.bin", 5<<20)
	g.Must(work, "add", ".")
	g.Must(work, "commit", "-q", "-m", "medium")
	g.Must(work, "push", ts.remote("myapp"), "main")
	if d := ts.deployer.last(t); len(d.Files["medium.bin"]) != 5<<20 {
		t.Errorf("deployed medium.bin has %d bytes, want %d", len(d.Files["medium.bin"]), 5<<20)
	}
}

// TestScanPackDeltaTarget checks the size of the object a delta makes, which
// its pack header does not give: a small delta can make a large file.
func TestScanPackDeltaTarget(t *testing.T) {
	g := gittest.New(t)
	dir := g.NewWorkRepo()
	base := make([]byte, 600<<10)
	if _, err := rand.Read(base); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data.bin"), base, 0o644); err != nil {
		t.Fatal(err)
	}
	g.Must(dir, "add", ".")
	g.Must(dir, "commit", "-q", "-m", "base")
	old := g.Must(dir, "rev-parse", "HEAD")
	// The base and a third of it again: a delta of two copies, a few bytes
	// for 800 KiB. (git does not delta a file more than twice its base.)
	if err := os.WriteFile(filepath.Join(dir, "data.bin"), append(base, base[:200<<10]...), 0o644); err != nil {
		t.Fatal(err)
	}
	g.Must(dir, "commit", "-q", "-am", "grown")

	cmd := g.Command(dir, "pack-objects", "--stdout", "--thin", "--revs", "-q")
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
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.git.SetLimits(Options{MaxPushBytes: 256 << 10})
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
			g := g.In(t)
			work := g.NewWorkRepo()
			data := make([]byte, tt.size)
			if _, err := rand.Read(data); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(work, "data.bin"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			g.Must(work, "add", ".")
			g.Must(work, "commit", "-q", "-m", "data")
			out, err := g.Run(work, "push", ts.remote("myapp"), "main")
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
	ts.git.SetLimits(Options{MaxPushBytes: 1 << 20})
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
