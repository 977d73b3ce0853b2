package gitserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// quarantinePrefix names the directories, inside an app's repository, that
// hold the objects of pushes not yet accepted.
const quarantinePrefix = "quarantine-"

// quarantine holds a push's objects apart from the app's repository, as git's
// own receive-pack does, until the push is accepted: a rejected push (a
// failed build, a refused ref, a crash) leaves the repository as it was.
type quarantine struct {
	dir      string // the quarantine directory
	objects  string // the repository's objects directory
	incoming *filesystem.Storage
}

// newQuarantine makes an empty quarantine in the repository at repoDir.
func newQuarantine(repoDir string) (*quarantine, error) {
	dir, err := os.MkdirTemp(repoDir, quarantinePrefix)
	if err != nil {
		return nil, fmt.Errorf("make a quarantine for the push: %w", err)
	}
	st := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRUDefault(),
		filesystem.Options{LargeObjectThreshold: largeObjectThreshold})
	return &quarantine{dir: dir, objects: filepath.Join(repoDir, "objects"), incoming: st}, nil
}

// open is the repository as the push sees it: its objects, then the
// repository's; its refs are the repository's.
func (q *quarantine) open(repo *git.Repository) (*git.Repository, error) {
	return git.Open(layeredStorer{Storer: repo.Storer, incoming: q.incoming}, nil)
}

// accept moves the push's objects into the repository. It comes before the
// ref moves, so that a ref never names an object the repository lacks.
func (q *quarantine) accept() error {
	src := filepath.Join(q.dir, "objects")
	err := filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(q.objects, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.Rename(path, dst)
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("move the push's objects into the repository: %w", err)
	}
	q.discard()
	return nil
}

// discard removes what is left of the quarantine.
func (q *quarantine) discard() { _ = os.RemoveAll(q.dir) }

// removeQuarantines removes the quarantines that pushes cut short by a
// crash left in the repositories under reposDir.
func removeQuarantines(reposDir string) error {
	dirs, err := filepath.Glob(filepath.Join(reposDir, "*.git", quarantinePrefix+"*"))
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("remove the quarantine %s: %w", d, err)
		}
	}
	return nil
}

// layeredStorer writes objects to the quarantine and reads them from it, then
// from the repository; everything else (refs, config) is the repository's.
type layeredStorer struct {
	storage.Storer
	incoming *filesystem.Storage
}

func (s layeredStorer) NewEncodedObject() plumbing.EncodedObject {
	return s.incoming.NewEncodedObject()
}

func (s layeredStorer) SetEncodedObject(o plumbing.EncodedObject) (plumbing.Hash, error) {
	return s.incoming.SetEncodedObject(o)
}

func (s layeredStorer) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	o, err := s.incoming.EncodedObject(t, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return s.Storer.EncodedObject(t, h)
	}
	return o, err
}

func (s layeredStorer) HasEncodedObject(h plumbing.Hash) error {
	if err := s.incoming.HasEncodedObject(h); !errors.Is(err, plumbing.ErrObjectNotFound) {
		return err
	}
	return s.Storer.HasEncodedObject(h)
}

func (s layeredStorer) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	n, err := s.incoming.EncodedObjectSize(h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return s.Storer.EncodedObjectSize(h)
	}
	return n, err
}
