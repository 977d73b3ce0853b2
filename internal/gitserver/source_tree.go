package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"
)

// A source blob (a .tar.gz) becomes git objects the way `git add -A && git
// commit` of its extracted tree would make them: regular files, executable
// or not, and symlinks, in directories; no empty directory. The archive
// comes from anyone holding a token, through a URL they choose, so it is
// read as a stream, bounded before anything large is read or stored, and
// its paths only ever name tree entries, never files on this machine.

// ErrInvalidSource is wrapped by the errors of a source blob refused for
// what it holds: not a .tar.gz, an unsafe path, an entry git cannot hold, or
// over a limit (those also wrap ErrContextTooLarge). The message says what
// to do; unlike a failed download or a failure of the server, it is the
// client's to fix.
var ErrInvalidSource = errors.New("invalid source blob")

// The commit of a source build is the platform's, not a person's.
const (
	sourceAuthorName  = "paas"
	sourceAuthorEmail = "builds@paas"
)

const makeTarGz = "make one with: tar -czf app.tar.gz -C <app directory> ."

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidSource}, args...)...)
}

func refuseTooLarge(format string, args ...any) error {
	return fmt.Errorf("%w: %w: "+format, append([]any{ErrInvalidSource, builder.ErrContextTooLarge}, args...)...)
}

// writeSource stores the archive's files, their trees and a commit of them in
// the quarantine, and returns the commit's hash.
func writeSource(ctx context.Context, q *quarantine, tgz io.Reader, message string, limits Options) (plumbing.Hash, error) {
	s := &sourceTree{
		q:       q,
		objects: dotgit.New(osfs.New(q.dir)),
		limits:  limits,
		root:    newSourceDir(),
	}
	if err := s.read(ctx, tgz); err != nil {
		return plumbing.ZeroHash, err
	}
	root := s.root
	// GitHub's archive of a commit holds one directory, "<repo>-<sha>/":
	// as Heroku does, a sole top-level directory is the app's.
	if len(root.dir) == 1 {
		for _, e := range root.dir {
			if e.isDir() {
				root = e
			}
		}
	}
	tree, ok, err := s.writeTree(root)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if !ok {
		return plumbing.ZeroHash, refuse("the source blob holds no files: %s", makeTarGz)
	}
	sig := object.Signature{Name: sourceAuthorName, Email: sourceAuthorEmail, When: time.Now()}
	commit := &object.Commit{Author: sig, Committer: sig, Message: message, TreeHash: tree}
	return s.store(commit)
}

// sourceEntry is a file, a symlink or a directory of the archive.
type sourceEntry struct {
	mode filemode.FileMode
	hash plumbing.Hash           // a file's or symlink's blob
	size int64                   // a file's, counted again for a hard link to it
	dir  map[string]*sourceEntry // a directory's entries by name
}

func newSourceDir() *sourceEntry {
	return &sourceEntry{mode: filemode.Dir, dir: map[string]*sourceEntry{}}
}

func (e *sourceEntry) isDir() bool { return e.mode == filemode.Dir }

func (e *sourceEntry) isRegular() bool {
	return e.mode == filemode.Regular || e.mode == filemode.Executable
}

// sourceTree reads an archive into a tree of entries, storing each file's
// blob as it is read, so that no file is held in memory.
type sourceTree struct {
	q       *quarantine
	objects *dotgit.DotGit // the quarantine's, to stream blobs into
	limits  Options
	root    *sourceEntry

	headers int   // archive entries read, skipped ones included
	entries int   // tree entries, directories implied by a path included
	size    int64 // the files' bytes, replaced ones included: no less than CheckContext counts
}

func (s *sourceTree) read(ctx context.Context, tgz io.Reader) error {
	limit := s.limits.MaxContextBytes
	in := &cappedReader{r: downloadReader{tgz}, left: limit,
		over: refuseTooLarge("the source blob is larger than %s (PAAS_BUILD_CONTEXT_MAX): keep large files out of the source, or raise the limit", builder.FormatSize(limit))}
	zr, err := gzip.NewReader(in)
	if err != nil {
		return archiveError(err)
	}
	// The bound of a gzip bomb: whatever the archive holds, no more than
	// this is inflated.
	inflated := &cappedReader{r: zr, left: limit,
		over: refuseTooLarge("the source blob inflates to more than %s (PAAS_BUILD_CONTEXT_MAX): keep large files out of the source, or raise the limit", builder.FormatSize(limit))}
	tr := tar.NewReader(inflated)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read the source blob: %w", err)
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		// ErrInsecurePath comes with a valid header, whose path add checks.
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return archiveError(err)
		}
		if err := s.add(hdr, tr); err != nil {
			return err
		}
	}
	// gzip checks its checksum at the end of the stream, past the tar's end:
	// reading on (within the bound) tells a damaged blob from a good one.
	if _, err := io.Copy(io.Discard, inflated); err != nil {
		return archiveError(err)
	}
	return nil
}

// add puts one archive entry in the tree.
func (s *sourceTree) add(hdr *tar.Header, content io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil // metadata, such as the commit id in GitHub's archives
	}
	if s.headers++; s.headers > s.limits.MaxContextFiles {
		return s.tooManyFiles(hdr.Name)
	}
	parts, err := sourcePath(hdr.Name)
	if err != nil {
		return err
	}
	if parts == nil { // "./", the archive's own directory
		if hdr.Typeflag != tar.TypeDir {
			return refuse("the entry %q is a file where the archive's top directory should be: %s", hdr.Name, makeTarGz)
		}
		return nil
	}
	// git refuses to track a .git directory, so no push carries one; an
	// archive of a checkout may: skipping it builds what a push would.
	if slices.ContainsFunc(parts, func(p string) bool { return strings.EqualFold(p, ".git") }) {
		return nil
	}
	name := strings.Join(parts, "/")

	switch hdr.Typeflag {
	case tar.TypeDir:
		return s.insert(parts, newSourceDir())
	case tar.TypeReg, tar.TypeGNUSparse:
		if err := s.addSize(name, hdr.Size); err != nil {
			return err
		}
		h, err := s.storeBlob(name, content, hdr.Size)
		if err != nil {
			return err
		}
		mode := filemode.Regular
		if hdr.Mode&0o111 != 0 {
			mode = filemode.Executable
		}
		return s.insert(parts, &sourceEntry{mode: mode, hash: h, size: hdr.Size})
	case tar.TypeSymlink:
		target := hdr.Linkname
		switch {
		case target == "":
			return refuse("the symlink %s has no target: remove it from the archive", name)
		case strings.ContainsRune(target, 0):
			return refuse("the symlink %s has a target with a NUL byte: remove it from the archive", name)
		case len(target) > builder.MaxSymlinkTarget:
			return refuse("the symlink %s has a target longer than %d bytes: remove it from the archive", name, builder.MaxSymlinkTarget)
		}
		h, err := s.storeBlob(name, strings.NewReader(target), int64(len(target)))
		if err != nil {
			return err
		}
		return s.insert(parts, &sourceEntry{mode: filemode.Symlink, hash: h})
	case tar.TypeLink:
		// A hard link extracts as its target's content: a copy, as git
		// would store the two files.
		target := s.lookup(hdr.Linkname)
		if target == nil || !target.isRegular() {
			return refuse("the hard link %s names %q, which is not a file earlier in the archive: make the archive with tar --hard-dereference, or without the link", name, hdr.Linkname)
		}
		if err := s.addSize(name, target.size); err != nil {
			return err
		}
		return s.insert(parts, &sourceEntry{mode: target.mode, hash: target.hash, size: target.size})
	default:
		return refuse("%s is %s: only files, directories and symlinks can be built; remove it from the archive", name, tarKind(hdr.Typeflag))
	}
}

// sourcePath splits an archive name into the path of a tree entry, nil for
// the archive's own directory ("./"). It refuses any name that could leave
// the tree: absolute, with "..", or not a plain relative path.
func sourcePath(name string) ([]string, error) {
	switch {
	case name == "":
		return nil, refuse("the archive has an entry without a name: %s", makeTarGz)
	case strings.ContainsRune(name, 0):
		return nil, refuse("the archive has a name with a NUL byte, %q: %s", name, makeTarGz)
	case strings.HasPrefix(name, "/"):
		return nil, refuse("the archive has an absolute path, %s: %s", name, makeTarGz)
	}
	rel := name
	for strings.HasPrefix(rel, "./") { // tar -C dir . names its entries ./x
		rel = rel[2:]
	}
	rel = strings.TrimSuffix(rel, "/") // directories
	if rel == "" || rel == "." {
		return nil, nil
	}
	parts := strings.Split(rel, "/")
	for _, p := range parts {
		if p == "" || p == "." || p == ".." {
			return nil, refuse("the archive has an unsafe path, %s: %s", name, makeTarGz)
		}
	}
	if len(parts) > builder.MaxTreeDepth {
		return nil, refuse("the archive has a path more than %d directories deep, %.200s...: flatten the source", builder.MaxTreeDepth, name)
	}
	return parts, nil
}

// insert puts e at parts, making the directories on the way. A later entry
// replaces an earlier one of the same name, as tar extracts them, unless one
// is a directory and the other not.
func (s *sourceTree) insert(parts []string, e *sourceEntry) error {
	dir := s.root
	for i, name := range parts[:len(parts)-1] {
		sub, ok := dir.dir[name]
		if !ok {
			if err := s.countEntry(parts[:i+1]); err != nil {
				return err
			}
			sub = newSourceDir()
			dir.dir[name] = sub
		} else if !sub.isDir() {
			return bothFileAndDir(parts[:i+1])
		}
		dir = sub
	}
	name := parts[len(parts)-1]
	old, ok := dir.dir[name]
	switch {
	case !ok:
		if err := s.countEntry(parts); err != nil {
			return err
		}
	case old.isDir() && e.isDir():
		return nil // listed again: keep what it holds
	case old.isDir() || e.isDir():
		return bothFileAndDir(parts)
	}
	dir.dir[name] = e
	return nil
}

// countEntry counts a new tree entry against MaxContextFiles, as CheckContext
// will: it bounds the tree's memory, whatever the archive's headers imply.
func (s *sourceTree) countEntry(parts []string) error {
	if s.entries++; s.entries > s.limits.MaxContextFiles {
		return s.tooManyFiles(strings.Join(parts, "/"))
	}
	return nil
}

func bothFileAndDir(parts []string) error {
	return refuse("%s is both a file and a directory in the archive: remove one of them", strings.Join(parts, "/"))
}

// lookup returns the entry an archive name names, nil if none.
func (s *sourceTree) lookup(name string) *sourceEntry {
	parts, err := sourcePath(name)
	if err != nil || parts == nil {
		return nil
	}
	e := s.root
	for _, p := range parts {
		if e = e.dir[p]; e == nil {
			return nil
		}
	}
	return e
}

func (s *sourceTree) addSize(name string, size int64) error {
	if size > s.limits.MaxObjectBytes {
		sz, l := builder.SizesApart(size, s.limits.MaxObjectBytes)
		return refuse("the file %s is %s, over the %s limit per file: keep large files out of the source", name, sz, l)
	}
	if s.size += size; s.size > s.limits.MaxContextBytes {
		return refuseTooLarge("its files add up to more than %s (PAAS_BUILD_CONTEXT_MAX), past %s (%s): keep large files out of the source, or raise the limit",
			builder.FormatSize(s.limits.MaxContextBytes), name, builder.FormatSize(size))
	}
	return nil
}

func (s *sourceTree) tooManyFiles(at string) error {
	return refuseTooLarge("more than %d files and directories (PAAS_BUILD_CONTEXT_MAX_FILES), at %s: keep generated and vendored files out of the source, or raise the limit",
		s.limits.MaxContextFiles, at)
}

// storeBlob streams size bytes of r into a loose object of the quarantine.
func (s *sourceTree) storeBlob(name string, r io.Reader, size int64) (plumbing.Hash, error) {
	w, err := s.objects.NewObject()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store %s: %w", name, err)
	}
	err = w.WriteHeader(plumbing.BlobObject, size)
	if err == nil {
		_, err = io.Copy(w, archiveReader{r})
	}
	// Closed even on error, to release its file: a partial object goes
	// with the quarantine.
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	var rf readFailure
	if errors.As(err, &rf) {
		return plumbing.ZeroHash, archiveError(rf.err)
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store %s: %w", name, err)
	}
	return w.Hash(), nil
}

// writeTree stores the directory's tree, after its subtrees', and reports
// false for a directory without files, which git cannot hold.
func (s *sourceTree) writeTree(dir *sourceEntry) (plumbing.Hash, bool, error) {
	tree := &object.Tree{}
	for name, e := range dir.dir {
		h := e.hash
		if e.isDir() {
			var ok bool
			var err error
			if h, ok, err = s.writeTree(e); err != nil {
				return plumbing.ZeroHash, false, err
			} else if !ok {
				continue
			}
		}
		tree.Entries = append(tree.Entries, object.TreeEntry{Name: name, Mode: e.mode, Hash: h})
	}
	if len(tree.Entries) == 0 {
		return plumbing.ZeroHash, false, nil
	}
	// git's order: by name, a directory's as if it ended in "/".
	slices.SortFunc(tree.Entries, func(a, b object.TreeEntry) int {
		return strings.Compare(treeSortName(a), treeSortName(b))
	})
	h, err := s.store(tree)
	return h, err == nil, err
}

func treeSortName(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

// store writes a small object (a tree, the commit) to the quarantine.
func (s *sourceTree) store(o interface {
	Encode(plumbing.EncodedObject) error
}) (plumbing.Hash, error) {
	obj := s.q.incoming.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode the source build's %s: %w", obj.Type(), err)
	}
	h, err := s.q.incoming.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store the source build's %s: %w", obj.Type(), err)
	}
	return h, nil
}

// downloadReader marks the errors of the reader of the source blob itself,
// a download cut short, which are not the blob's fault.
type downloadReader struct{ r io.Reader }

type downloadError struct{ err error }

func (e *downloadError) Error() string { return e.err.Error() }
func (e *downloadError) Unwrap() error { return e.err }

func (d downloadReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = &downloadError{err}
	}
	return n, err
}

// archiveReader marks the errors of reading a file's content from the
// archive, to tell them from those of storing it.
type archiveReader struct{ r io.Reader }

type readFailure struct{ err error }

func (e readFailure) Error() string { return e.err.Error() }

func (a archiveReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && err != io.EOF {
		err = readFailure{err}
	}
	return n, err
}

// archiveError explains an error of reading the archive.
func archiveError(err error) error {
	var dl *downloadError
	switch {
	case errors.As(err, &dl):
		return fmt.Errorf("read the source blob: %w", dl.err)
	case errors.Is(err, ErrInvalidSource): // past a bound
		return err
	case errors.Is(err, io.EOF):
		return refuse("the source blob is empty: %s", makeTarGz)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return refuse("the source blob ends early: it is truncated, or not a gzip-compressed tar archive (.tar.gz): upload it whole, or %s", makeTarGz)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, tar.ErrHeader):
		return refuse("the source blob is not a gzip-compressed tar archive (.tar.gz): %s", makeTarGz)
	default: // a bad checksum, corrupt deflate data
		return refuse("the source blob is damaged (%v): upload it again, or %s", err, makeTarGz)
	}
}

func tarKind(t byte) string {
	switch t {
	case tar.TypeChar:
		return "a character device"
	case tar.TypeBlock:
		return "a block device"
	case tar.TypeFifo:
		return "a named pipe"
	default:
		return fmt.Sprintf("an entry of tar type %q", t)
	}
}
