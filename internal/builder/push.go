// Package builder receives git pushes over smart HTTP and turns a pushed
// commit into a Docker image: the build stage of build, release, run.
package builder

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Push is a received, not yet deployed push to the deploy branch.
type Push struct {
	App    string
	Branch string // "main" or "master"
	Commit string // 40-hex
	Repo   *git.Repository
}

// ReadFile returns the content of a file in the commit's tree, usually one at
// its root (Dockerfile, Procfile). A missing file gives an error wrapping
// fs.ErrNotExist.
func (p Push) ReadFile(name string) ([]byte, error) {
	tree, _, err := p.tree()
	if err != nil {
		return nil, err
	}
	entry, err := tree.FindEntry(name)
	if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
		return nil, fmt.Errorf("read %s from commit %s: %w", name, p.short(), fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s from commit %s: %w", name, p.short(), err)
	}
	if entry.Mode != filemode.Regular && entry.Mode != filemode.Executable && entry.Mode != filemode.Deprecated {
		return nil, fmt.Errorf("read %s from commit %s: not a regular file (mode %s)", name, p.short(), entry.Mode)
	}
	data, err := p.readBlob(entry.Hash)
	if err != nil {
		return nil, fmt.Errorf("read %s from commit %s: %w", name, p.short(), err)
	}
	return data, nil
}

// tree returns the commit's root tree and its commit time, which the tar uses
// as every entry's mtime so the same commit always gives the same context.
func (p Push) tree() (*object.Tree, time.Time, error) {
	if p.Repo == nil {
		return nil, time.Time{}, errors.New("read commit: push has no repository")
	}
	if !plumbing.IsHash(p.Commit) {
		return nil, time.Time{}, fmt.Errorf("read commit %q: not a 40-hex commit id", p.Commit)
	}
	commit, err := p.Repo.CommitObject(plumbing.NewHash(p.Commit))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read commit %s: %w", p.short(), err)
	}
	tree, err := commit.Tree()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read tree of commit %s: %w", p.short(), err)
	}
	return tree, commit.Committer.When, nil
}

func (p Push) readBlob(h plumbing.Hash) ([]byte, error) {
	blob, err := p.Repo.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	return data, nil
}

func (p Push) short() string {
	if len(p.Commit) > 7 {
		return p.Commit[:7]
	}
	return p.Commit
}
