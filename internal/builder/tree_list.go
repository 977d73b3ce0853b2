package builder

import (
	"fmt"
	"io/fs"
	"slices"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ListDir returns the names of the entries directly in dir of the commit's
// tree ("" is the root), sorted, directories with a trailing "/". A missing
// dir, or one that is no directory, gives an error wrapping fs.ErrNotExist.
func (p Push) ListDir(dir string) ([]string, error) {
	tree, _, err := p.tree()
	if err != nil {
		return nil, err
	}
	if dir != "" && dir != "." {
		e, err := p.findEntry(dir)
		if err != nil {
			return nil, fmt.Errorf("list %s in commit %s: %w", dir, p.short(), err)
		}
		if e.Mode != filemode.Dir {
			return nil, fmt.Errorf("list %s in commit %s: %w (not a directory)", dir, p.short(), fs.ErrNotExist)
		}
		if tree, err = p.Repo.TreeObject(e.Hash); err != nil {
			return nil, fmt.Errorf("list %s in commit %s: %w", dir, p.short(), err)
		}
	}
	return entryNames(tree), nil
}

func entryNames(tree *object.Tree) []string {
	names := make([]string, 0, len(tree.Entries))
	for _, e := range tree.Entries {
		n := e.Name
		if e.Mode == filemode.Dir {
			n += "/"
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
