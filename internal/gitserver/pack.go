package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"syscall"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// A pushed packfile is received in three steps, so that the pack's size
// does not decide how much memory the daemon uses, and the largest object's
// size is bounded:
//
//  1. spool: the pack is copied to an unnamed temporary file, up to
//     MaxPushBytes;
//  2. scan: every object's header is read, and for deltas the size of the
//     object they produce, refusing the push if one is over MaxObjectBytes,
//     before anything is stored;
//  3. store: go-git parses the pack from the file, one push at a time, into
//     the push's quarantine, whose objects join the repository's only once
//     the push is accepted (quarantine.go). A
//     seekable source spares go-git's in-memory copy of every delta. Measured
//     peaks for a 90 MiB file: about 1x its size for a self-contained pack,
//     about 3x for a thin one (go-git then buffers each object whole).

// refusal is a push refused for what it holds; its message is for the
// pusher, who sees it in git's output.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// errPushTooLarge is cappedReader's error past its limit; http.MaxBytesReader
// gives an *http.MaxBytesError.
var errPushTooLarge = errors.New("push too large")

// pushRefusal returns the refusal err is or holds, if any.
func pushRefusal(err error, limits Options) *refusal {
	var rf *refusal
	if errors.As(err, &rf) {
		return rf
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, errPushTooLarge) {
		return &refusal{fmt.Sprintf("push exceeds the %s limit per push; push fewer commits at a time and keep large files out of the repository",
			builder.FormatSize(limits.MaxPushBytes))}
	}
	return nil
}

func objectTooLarge(t plumbing.ObjectType, size, limit int64) *refusal {
	kind := "file"
	if t == plumbing.CommitObject || t == plumbing.TreeObject || t == plumbing.TagObject {
		kind = t.String()
	}
	s, l := builder.SizesApart(size, limit)
	return &refusal{fmt.Sprintf("%s of %s exceeds the %s limit per file; keep large files out of the repository", kind, s, l)}
}

// cappedReader fails with over, or errPushTooLarge if over is nil, once more
// than left bytes were read.
type cappedReader struct {
	r    io.Reader
	left int64
	over error
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.tooLarge()
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, c.tooLarge()
	}
	return n, err
}

func (c *cappedReader) tooLarge() error {
	if c.over != nil {
		return c.over
	}
	return errPushTooLarge
}

// receiveObjects stores the pushed packfile in a quarantine of the app's
// repository, which is created on the first push, and returns the repository
// as the push sees it. A push refused for its size stores nothing and creates
// no repository. The quarantine is nil when the push brought no objects.
func (g *Server) receiveObjects(ctx context.Context, app string, in *bufio.Reader, limits Options) (*git.Repository, *quarantine, error) {
	if _, err := in.Peek(1); errors.Is(err, io.EOF) {
		repo, err := g.openOrInitRepo(app) // no pack: the server already has every object
		return repo, nil, err
	} else if err != nil {
		return nil, nil, fmt.Errorf("read packfile: %w", err)
	}
	repo, q, err := g.quarantineObjects(ctx, app, in, limits)
	if err != nil {
		return nil, nil, err
	}
	return repo, q, nil
}

func (g *Server) quarantineObjects(ctx context.Context, app string, in *bufio.Reader, limits Options) (*git.Repository, *quarantine, error) {
	// Each spooled pack may take MaxPushBytes of disk: so many at once.
	select {
	case g.spooling <- struct{}{}:
		defer func() { <-g.spooling }()
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("wait for other pushes to be received: %w", ctx.Err())
	}
	pack, err := g.spoolPack(in)
	if err != nil {
		return nil, nil, err
	}
	defer pack.Close()
	info, err := scanPack(pack, limits.MaxObjectBytes)
	if err != nil {
		return nil, nil, err
	}

	select {
	case g.storing <- struct{}{}:
		defer func() { <-g.storing }()
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("store pushed objects: %w", ctx.Err())
	}
	repo, err := g.openOrInitRepo(app)
	if err != nil {
		return nil, nil, err
	}
	if info.objects == 0 {
		return repo, nil, nil
	}
	dir, err := g.repoDir(app)
	if err != nil {
		return nil, nil, err
	}
	q, err := newQuarantine(dir)
	if err != nil {
		return nil, nil, err
	}
	seen, err := q.open(repo)
	if err == nil {
		err = storePack(q, seen, pack, info.thin)
	}
	if err != nil {
		q.discard()
		return nil, nil, fmt.Errorf("store pushed objects: %w", err)
	}
	return seen, q, nil
}

// spoolPack copies the pack to a temporary file in the repositories
// directory, rather than os.TempDir, which may be a tmpfs, taking memory. The
// file is unlinked at once: it goes away when closed, even if the daemon
// dies first.
func (g *Server) spoolPack(in io.Reader) (*os.File, error) {
	if err := os.MkdirAll(g.reposDir, 0o700); err != nil {
		return nil, fmt.Errorf("create repositories directory: %w", err)
	}
	f, err := os.CreateTemp(g.reposDir, ".incoming-*.pack")
	if err != nil {
		return nil, fmt.Errorf("spool packfile: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool packfile: %w", err)
	}
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		if errors.Is(err, syscall.ENOSPC) {
			return nil, errors.New("paasd's disk is full: nothing of this push was kept; free space in paasd's data directory, then push again")
		}
		return nil, fmt.Errorf("read packfile: %w", err)
	}
	return f, nil
}

// packInfo is what scanPack learnt of a pack.
type packInfo struct {
	objects uint32
	// thin: the pack has deltas against objects by hash, which may be
	// objects it does not hold but the repository does.
	thin bool
}

// scanPack reads every object header in the pack, and the header of every
// delta, which holds the size of the object it makes, and refuses the pack
// if an object is larger than maxObject. It inflates the objects to find
// where the next one starts, but keeps none of them; an oversized object is
// refused before it is inflated. It also checks the pack's checksum.
func scanPack(pack io.ReadSeeker, maxObject int64) (packInfo, error) {
	var info packInfo
	if _, err := pack.Seek(0, io.SeekStart); err != nil {
		return info, fmt.Errorf("read packfile: %w", err)
	}
	sc := packfile.NewScanner(pack)
	_, count, err := sc.Header()
	if err != nil {
		return info, fmt.Errorf("read packfile: %w", err)
	}
	info.objects = count
	for range count {
		oh, err := sc.NextObjectHeader()
		if err != nil {
			return info, fmt.Errorf("read packfile: %w", err)
		}
		if !oh.Type.IsDelta() {
			if oh.Length > maxObject {
				return info, objectTooLarge(oh.Type, oh.Length, maxObject)
			}
			if _, _, err := sc.NextObject(io.Discard); err != nil {
				return info, fmt.Errorf("read packfile: %w", err)
			}
			continue
		}
		info.thin = info.thin || oh.Type == plumbing.REFDeltaObject
		// A delta is a list of copies and insertions, a little larger than
		// what it inserts: beyond twice the limit it is oversized whatever
		// it makes.
		if oh.Length/2 > maxObject {
			return info, objectTooLarge(plumbing.AnyObject, oh.Length, maxObject)
		}
		var dh deltaHeader
		if _, _, err := sc.NextObject(&dh); err != nil {
			return info, fmt.Errorf("read packfile: %w", err)
		}
		size, err := dh.targetSize()
		if err != nil {
			return info, fmt.Errorf("read packfile: delta at offset %d: %w", oh.Offset, err)
		}
		if size > maxObject {
			return info, objectTooLarge(plumbing.AnyObject, size, maxObject)
		}
	}
	if _, err := sc.Checksum(); err != nil {
		return info, fmt.Errorf("read packfile: %w", err)
	}
	return info, nil
}

// deltaHeader keeps the start of a delta: the sizes of its base and of the
// object it makes, as two little-endian base-128 numbers.
type deltaHeader struct {
	buf [2 * 10]byte
	n   int
}

func (d *deltaHeader) Write(p []byte) (int, error) {
	d.n += copy(d.buf[d.n:], p)
	return len(p), nil
}

func (d *deltaHeader) targetSize() (int64, error) {
	b := d.buf[:d.n]
	if _, n := uvarint(b); n > 0 {
		if size, m := uvarint(b[n:]); m > 0 {
			return size, nil
		}
	}
	return 0, errors.New("malformed delta header")
}

// uvarint decodes a little-endian base-128 number of at most 63 bits and
// returns it with the bytes it took, 0 if b does not start with one.
func uvarint(b []byte) (int64, int) {
	var v int64
	for i, c := range b {
		if i*7 > 56 {
			return 0, 0
		}
		v |= int64(c&0x7f) << (i * 7)
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// storePack stores a scanned pack. A self-contained pack is kept as it
// came, with an index go-git builds from a seekable read, holding one object
// in memory at a time. A thin pack has deltas against objects the repository
// holds, which that parse cannot see (go-git#190, #1119); hiding the
// storage's PackfileWriter makes go-git parse it against the stored objects
// instead, writing each object loose.
func storePack(q *quarantine, repo *git.Repository, pack *os.File, thin bool) error {
	if _, err := pack.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if !thin {
		// go-git may leave a temporary pack behind when the parse fails:
		// it goes with the quarantine.
		return packfile.WritePackfileToObjectStorage(q.incoming, pack)
	}
	return packfile.UpdateObjectStorage(struct{ storer.Storer }{repo.Storer}, pack)
}
