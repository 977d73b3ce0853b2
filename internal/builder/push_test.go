package builder

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/gittest"

	"github.com/go-git/go-git/v5"
)

// commitFixture commits a tree with a subdirectory, an executable, a symlink
// and a submodule entry, and returns it as a Push.
func commitFixture(t *testing.T) Push {
	t.Helper()
	g := gittest.New(t)
	dir := g.NewWorkRepo()
	gittest.WriteFile(t, dir, "app/main.sh", "#!/bin/sh\necho hi\n")
	if err := os.Chmod(filepath.Join(dir, "app/main.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	gittest.WriteFile(t, dir, "app/conf/settings.txt", "a=1\n")
	if err := os.Symlink("app/main.sh", filepath.Join(dir, "start")); err != nil {
		t.Fatal(err)
	}
	g.Must(dir, "add", ".")
	// A gitlink as a submodule leaves it: its commit is not in this repo.
	g.Must(dir, "update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,vendor/lib")
	g.Must(dir, "commit", "-q", "-m", "fixture")
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	return Push{App: "myapp", Branch: "main", Commit: g.Must(dir, "rev-parse", "HEAD"), Repo: repo}
}

func TestWriteTar(t *testing.T) {
	p := commitFixture(t)
	var buf bytes.Buffer
	if err := p.WriteTar(&buf); err != nil {
		t.Fatal(err)
	}
	type entry struct {
		typ      byte
		mode     int64
		body     string
		linkname string
	}
	got := map[string]entry{}
	var mtime time.Time
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		got[h.Name] = entry{h.Typeflag, h.Mode, string(body), h.Linkname}
		mtime = h.ModTime
	}
	want := map[string]entry{
		"Dockerfile":            {tar.TypeReg, 0o644, "FROM scratch\n", ""},
		"Procfile":              {tar.TypeReg, 0o644, "web: httpd -f -p $PORT\n", ""},
		"app/":                  {tar.TypeDir, 0o755, "", ""},
		"app/main.sh":           {tar.TypeReg, 0o755, "#!/bin/sh\necho hi\n", ""},
		"app/conf/":             {tar.TypeDir, 0o755, "", ""},
		"app/conf/settings.txt": {tar.TypeReg, 0o644, "a=1\n", ""},
		"start":                 {tar.TypeSymlink, 0o777, "", "app/main.sh"},
		"vendor/":               {tar.TypeDir, 0o755, "", ""},
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("tar lacks %s", name)
		} else if g != w {
			t.Errorf("%s = %+v, want %+v", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected tar entry %s (submodules must be skipped)", name)
		}
	}
	if mtime.IsZero() {
		t.Error("tar entries have no mtime")
	}
}

func TestReadFile(t *testing.T) {
	p := commitFixture(t)
	data, err := p.ReadFile("Procfile", 1<<20)
	if err != nil || string(data) != "web: httpd -f -p $PORT\n" {
		t.Errorf("ReadFile(Procfile) = %q, %v", data, err)
	}
	for _, name := range []string{"missing.txt", "nodir/file", "app"} {
		_, err := p.ReadFile(name, 1<<20)
		if name == "app" {
			if err == nil {
				t.Errorf("ReadFile(%s) of a directory succeeded", name)
			}
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadFile(%s) error = %v, want fs.ErrNotExist", name, err)
		}
	}
}
