package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
)

// FuzzSourceTarball: any bytes as a source blob are made into a commit or
// refused, never a panic; only the quarantine is written to; and a commit
// made passes what the deploy checks (CheckContext, WriteTar's safe names)
// under the same limits.
func FuzzSourceTarball(f *testing.F) {
	seeds := [][]ent{
		appSource,
		{dirEnt("./"), {name: "./Procfile", body: "web: x"}, {name: "./b", typ: tar.TypeLink, link: "./Procfile"}},
		{{name: "a", body: "1"}, {name: "a/b", body: "2"}},
		{{name: "../x", body: "x"}},
		{linkEnt("l", "/etc/passwd"), {name: ".git/config", body: "c"}, {name: "l/x", body: "x"}},
		{{name: "p", typ: tar.TypeFifo}},
	}
	for _, s := range seeds {
		f.Add(tgzOf(f, s...))
	}
	app := tgzOf(f, appSource...)
	f.Add(app[:len(app)/2])
	f.Add([]byte("not a tarball"))
	f.Add([]byte{})

	limits := Options{MaxContextBytes: 1 << 20, MaxContextFiles: 100, MaxObjectBytes: 256 << 10}
	f.Fuzz(func(t *testing.T, blob []byte) {
		repoDir := filepath.Join(t.TempDir(), "app.git")
		repo, err := git.PlainInit(repoDir, true)
		if err != nil {
			t.Fatal(err)
		}
		before := treeFiles(t, filepath.Dir(repoDir))
		q, err := newQuarantine(repoDir)
		if err != nil {
			t.Fatal(err)
		}
		defer q.discard()
		h, err := writeSource(context.Background(), q, bytes.NewReader(blob), "fuzz\n", limits.withDefaults())

		quarantined := filepath.Join("app.git", filepath.Base(q.dir))
		after := slices.DeleteFunc(treeFiles(t, filepath.Dir(repoDir)), func(name string) bool {
			return name == quarantined || strings.HasPrefix(name, quarantined+string(filepath.Separator))
		})
		if !slices.Equal(after, before) {
			t.Fatalf("written outside the quarantine:\n%v\nwas\n%v", after, before)
		}
		if err != nil {
			if errors.Is(err, ErrInvalidSource) || strings.HasPrefix(err.Error(), "read the source blob") {
				return
			}
			t.Fatalf("not a refusal: %v", err)
		}
		seen, err := q.open(repo)
		if err != nil {
			t.Fatal(err)
		}
		p := builder.Push{App: "app", Commit: h.String(), Repo: seen, MaxContextBytes: limits.MaxContextBytes, MaxContextFiles: limits.MaxContextFiles}
		if err := p.CheckContext(); err != nil {
			t.Errorf("a commit the limits let through fails CheckContext: %v", err)
		}
		if err := p.WriteTar(io.Discard); err != nil {
			t.Errorf("WriteTar: %v", err)
		}
	})
}

// treeFiles lists every file and directory under root, relative to it.
func treeFiles(t *testing.T, root string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		names = append(names, rel)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
