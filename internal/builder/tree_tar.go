package builder

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// MaxTreeDepth bounds the recursion over a pushed tree; real trees are far
// shallower, a crafted one must not exhaust the stack.
const MaxTreeDepth = 256

// MaxSymlinkTarget bounds a symlink's target, which is read into memory;
// Linux's own limit (PATH_MAX) is 4096 bytes.
const MaxSymlinkTarget = 4 << 10

// ErrContextTooLarge is wrapped by CheckContext's error for a commit whose
// build context is over a limit.
var ErrContextTooLarge = errors.New("build context too large")

// CheckContext walks the commit's tree, without reading a file, and refuses a
// build context over MaxContextBytes or MaxContextFiles before anything is
// sent to the engine: one large file named by many tree entries is written
// out once per entry, so a small push can make a huge context.
func (p Push) CheckContext() error {
	tree, _, err := p.tree()
	if err != nil {
		return err
	}
	var size int64
	var files int
	if err := p.walkSizes(tree, "", 0, &size, &files); err != nil {
		return fmt.Errorf("check the build context of %s: %w", p.short(), err)
	}
	return nil
}

func (p Push) walkSizes(tree *object.Tree, dir string, depth int, size *int64, files *int) error {
	if depth > MaxTreeDepth {
		return fmt.Errorf("tree deeper than %d levels at %s", MaxTreeDepth, dir)
	}
	for _, e := range tree.Entries {
		name := path.Join(dir, e.Name)
		if *files++; p.MaxContextFiles > 0 && *files > p.MaxContextFiles {
			return fmt.Errorf("%w: more than %d files and directories (PAAS_BUILD_CONTEXT_MAX_FILES), at %s: keep generated and vendored files out of the repository, or raise the limit",
				ErrContextTooLarge, p.MaxContextFiles, name)
		}
		switch e.Mode {
		case filemode.Dir:
			sub, err := p.Repo.TreeObject(e.Hash)
			if err != nil {
				return fmt.Errorf("read tree %s: %w", name, err)
			}
			if err := p.walkSizes(sub, name, depth+1, size, files); err != nil {
				return err
			}
		case filemode.Regular, filemode.Deprecated, filemode.Executable:
			n, err := p.Repo.Storer.EncodedObjectSize(e.Hash)
			if err != nil {
				return fmt.Errorf("read the size of %s: %w", name, err)
			}
			if *size += n; p.MaxContextBytes > 0 && *size > p.MaxContextBytes {
				return fmt.Errorf("%w: its files add up to more than %s (PAAS_BUILD_CONTEXT_MAX), past %s (%s): keep large files out of the repository, or raise the limit",
					ErrContextTooLarge, FormatSize(p.MaxContextBytes), name, FormatSize(n))
			}
		}
	}
	return nil
}

// WriteTar writes the commit's tree as a tar straight from the git objects, no
// checkout: the Docker build context. Executable bits and symlinks are kept;
// submodules are skipped, since their commits are not in this repository.
func (p Push) WriteTar(w io.Writer) error {
	return p.WriteTarWith(w, nil)
}

// WriteTarWith is WriteTar with extra files added after the tree (a
// generated Dockerfile); an extra file replaces one of the tree at its path,
// since the later entry of a tar wins when it is unpacked.
func (p Push) WriteTarWith(w io.Writer, extra map[string][]byte) error {
	tree, mtime, err := p.tree()
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	if err := p.writeTree(tw, tree, "", mtime, 0); err != nil {
		return fmt.Errorf("tar commit %s: %w", p.short(), err)
	}
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(extra[name])), ModTime: mtime, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("tar commit %s: %w", p.short(), err)
		}
		if _, err := tw.Write(extra[name]); err != nil {
			return fmt.Errorf("tar commit %s: %w", p.short(), err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("tar commit %s: %w", p.short(), err)
	}
	return nil
}

// writeTree walks the tree itself rather than with object.TreeWalker, which
// reports a missing subtree as the end of the walk and would truncate the tar.
func (p Push) writeTree(tw *tar.Writer, tree *object.Tree, dir string, mtime time.Time, depth int) error {
	if depth > MaxTreeDepth {
		return fmt.Errorf("tree deeper than %d levels at %s", MaxTreeDepth, dir)
	}
	for _, e := range tree.Entries {
		if e.Name == "" || e.Name == "." || e.Name == ".." || strings.ContainsAny(e.Name, "/\x00") {
			return fmt.Errorf("unsafe name %q in tree at %q", e.Name, dir)
		}
		name := path.Join(dir, e.Name)
		hdr := &tar.Header{Name: name, ModTime: mtime}
		switch e.Mode {
		case filemode.Dir:
			sub, err := p.Repo.TreeObject(e.Hash)
			if err != nil {
				return fmt.Errorf("read tree %s: %w", name, err)
			}
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, name+"/", 0o755
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if err := p.writeTree(tw, sub, name, mtime, depth+1); err != nil {
				return err
			}
		case filemode.Regular, filemode.Deprecated, filemode.Executable:
			hdr.Typeflag, hdr.Mode = tar.TypeReg, 0o644
			if e.Mode == filemode.Executable {
				hdr.Mode = 0o755
			}
			if err := p.writeBlob(tw, hdr, e); err != nil {
				return err
			}
		case filemode.Symlink:
			target, err := p.readBlob(e.Hash, MaxSymlinkTarget)
			if err != nil {
				return fmt.Errorf("read symlink %s: %w", name, err)
			}
			hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, string(target), 0o777
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
		case filemode.Submodule:
			continue
		default:
			return fmt.Errorf("unsupported mode %s for %s", e.Mode, name)
		}
	}
	return nil
}

// writeBlob streams the blob, so a large file never sits in memory whole.
func (p Push) writeBlob(tw *tar.Writer, hdr *tar.Header, e object.TreeEntry) error {
	blob, err := p.Repo.BlobObject(e.Hash)
	if err != nil {
		return fmt.Errorf("read file %s: %w", hdr.Name, err)
	}
	hdr.Size = blob.Size
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	r, err := blob.Reader()
	if err != nil {
		return fmt.Errorf("read file %s: %w", hdr.Name, err)
	}
	defer r.Close()
	if _, err := io.Copy(tw, r); err != nil {
		return fmt.Errorf("write file %s: %w", hdr.Name, err)
	}
	return nil
}
