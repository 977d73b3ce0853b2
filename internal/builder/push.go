// Package builder turns a pushed commit into a Docker image, the build stage
// of build, release, run: the build context read from the commit's objects,
// detection of how to build it, generated Dockerfiles, the stack images they
// build FROM, and the image build.
package builder

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Push is a received, not yet deployed push to the deploy branch.
type Push struct {
	App string
	// AppID is the id of the app when the push started; the deploy fails
	// if the app of that name has another by then (destroyed, created again).
	AppID  string
	Branch string // "main" or "master"; "" for a build of a source blob (DeploySource)
	Commit string // 40-hex
	Repo   *git.Repository
	// BuildRun is the deployer's id of the build a source blob's deploy
	// is part of, which the deployer started; "" for a push.
	BuildRun string
	// MaxContextBytes and MaxContextFiles bound the build context
	// (CheckContext); 0 = no bound.
	MaxContextBytes int64
	MaxContextFiles int
}

// ErrTooLarge is wrapped by the errors of reads refused because the file
// is larger than the limit the caller gave.
var ErrTooLarge = errors.New("file too large")

// ReadFile returns the content of a file in the commit's tree, usually one at
// its root (Dockerfile, Procfile), if it is at most max bytes. The size is
// checked before the file is read: a larger file gives an error wrapping
// ErrTooLarge. A missing file gives an error wrapping fs.ErrNotExist.
func (p Push) ReadFile(name string, max int64) ([]byte, error) {
	entry, err := p.findEntry(name)
	if err != nil {
		return nil, fmt.Errorf("read %s from commit %s: %w", name, p.short(), err)
	}
	if !isRegular(entry.Mode) {
		return nil, fmt.Errorf("read %s from commit %s: not a regular file (mode %s)", name, p.short(), entry.Mode)
	}
	data, err := p.readBlob(entry.Hash, max)
	if err != nil {
		return nil, fmt.Errorf("read %s from commit %s: %w", name, p.short(), err)
	}
	return data, nil
}

// HasFile reports whether the commit's tree has a regular file or a symlink
// at name, without reading it. A directory or a submodule is no file.
func (p Push) HasFile(name string) (bool, error) {
	entry, err := p.findEntry(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up %s in commit %s: %w", name, p.short(), err)
	}
	return isRegular(entry.Mode) || entry.Mode == filemode.Symlink, nil
}

// findEntry looks name up in the commit's tree; a missing entry, or a path
// through something other than a directory, gives an error wrapping
// fs.ErrNotExist.
func (p Push) findEntry(name string) (*object.TreeEntry, error) {
	tree, _, err := p.tree()
	if err != nil {
		return nil, err
	}
	parts := strings.Split(name, "/")
	for _, dir := range parts[:len(parts)-1] {
		e, err := tree.FindEntry(dir)
		if errors.Is(err, object.ErrEntryNotFound) || err == nil && e.Mode != filemode.Dir {
			return nil, fs.ErrNotExist
		}
		if err != nil {
			return nil, err
		}
		if tree, err = p.Repo.TreeObject(e.Hash); err != nil {
			return nil, fmt.Errorf("read tree %s: %w", dir, err)
		}
	}
	entry, err := tree.FindEntry(parts[len(parts)-1])
	if errors.Is(err, object.ErrEntryNotFound) {
		return nil, fs.ErrNotExist
	}
	return entry, err
}

func isRegular(m filemode.FileMode) bool {
	return m == filemode.Regular || m == filemode.Executable || m == filemode.Deprecated
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

// readBlob reads a blob of at most limit bytes, checking its size from the
// object's header before reading it.
func (p Push) readBlob(h plumbing.Hash, limit int64) ([]byte, error) {
	size, err := p.Repo.Storer.EncodedObjectSize(h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	if size > limit {
		s, l := SizesApart(size, limit)
		return nil, fmt.Errorf("%w: %s, over the limit of %s", ErrTooLarge, s, l)
	}
	blob, err := p.Repo.BlobObject(h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	defer r.Close()
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
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
