package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ent is one entry of a test archive: a regular file unless typ says
// otherwise.
type ent struct {
	name string
	body string
	mode int64 // 0o644 if 0
	typ  byte  // tar.TypeReg if 0
	link string
}

func dirEnt(name string) ent          { return ent{name: name, typ: tar.TypeDir, mode: 0o755} }
func linkEnt(name, target string) ent { return ent{name: name, typ: tar.TypeSymlink, link: target} }

// tarOf writes the entries as an uncompressed tar.
func tarOf(t testing.TB, entries ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, Format: tar.FormatPAX}
		if h.Typeflag == tar.TypeXGlobalHeader {
			h = &tar.Header{Typeflag: e.typ, PAXRecords: map[string]string{"comment": e.body}}
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 && h.Typeflag != tar.TypeXGlobalHeader {
			h.Mode = 0o644
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); h.Typeflag == tar.TypeReg && err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipOf(t testing.TB, level int, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tgzOf(t testing.TB, entries ...ent) []byte {
	t.Helper()
	return gzipOf(t, gzip.DefaultCompression, tarOf(t, entries...))
}

// convert runs writeSource into a quarantine of a new repository and
// returns the commit as a Push, or writeSource's error.
func convert(t testing.TB, tgz io.Reader, limits Options) (builder.Push, error) {
	t.Helper()
	repoDir := filepath.Join(t.TempDir(), "app.git")
	repo, err := git.PlainInit(repoDir, true)
	if err != nil {
		t.Fatal(err)
	}
	q, err := newQuarantine(repoDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.discard)
	h, err := writeSource(context.Background(), q, tgz, "Build of source blob\n", limits.withDefaults())
	if err != nil {
		return builder.Push{}, err
	}
	seen, err := q.open(repo)
	if err != nil {
		t.Fatal(err)
	}
	return builder.Push{App: "app", Commit: h.String(), Repo: seen}, nil
}

// listing is the commit's tree as path -> "mode content", for files and
// symlinks.
func listing(t testing.TB, p builder.Push) map[string]string {
	t.Helper()
	c, err := p.Repo.CommitObject(plumbing.NewHash(p.Commit))
	if err != nil {
		t.Fatal(err)
	}
	tree, err := c.Tree()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = tree.Files().ForEach(func(f *object.File) error {
		body, err := f.Contents()
		got[f.Name] = f.Mode.String() + " " + body
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSourceTree(t *testing.T) {
	tests := []struct {
		name    string
		entries []ent
		want    map[string]string
	}{
		{"files, modes and implicit directories", []ent{
			{name: "Procfile", body: "web: run\n"},
			{name: "bin/start", body: "#!/bin/sh\n", mode: 0o755},
			{name: "bin/other", body: "x", mode: 0o744},
			{name: "lib/deep/a.txt", body: "a"},
		}, map[string]string{
			"Procfile":       "0100644 web: run\n",
			"bin/start":      "0100755 #!/bin/sh\n",
			"bin/other":      "0100755 x",
			"lib/deep/a.txt": "0100644 a",
		}},
		{"tar -C dir . names entries ./x", []ent{
			dirEnt("./"), {name: "./Procfile", body: "p"}, dirEnt("./sub/"), {name: "./sub/x", body: "x"},
		}, map[string]string{"Procfile": "0100644 p", "sub/x": "0100644 x"}},
		{"GitHub's archive: one top directory is stripped", []ent{
			{typ: tar.TypeXGlobalHeader, name: "pax_global_header", body: "0123abcd"},
			dirEnt("repo-0123abcd/"), {name: "repo-0123abcd/Procfile", body: "p"},
			dirEnt("repo-0123abcd/src/"), {name: "repo-0123abcd/src/main.go", body: "m"},
		}, map[string]string{"Procfile": "0100644 p", "src/main.go": "0100644 m"}},
		{"only one level is stripped", []ent{
			{name: "top/inner/Procfile", body: "p"},
		}, map[string]string{"inner/Procfile": "0100644 p"}},
		{"a top directory beside a file is kept", []ent{
			{name: "app/Procfile", body: "p"}, {name: "README", body: "r"},
		}, map[string]string{"app/Procfile": "0100644 p", "README": "0100644 r"}},
		{"a top directory beside an empty one is kept", []ent{
			{name: "app/Procfile", body: "p"}, dirEnt("empty/"),
		}, map[string]string{"app/Procfile": "0100644 p"}},
		{"symlinks keep their target verbatim", []ent{
			{name: "Procfile", body: "p"}, linkEnt("up", "../../etc/passwd"), linkEnt("abs", "/etc/hosts"), linkEnt("dir/rel", "../Procfile"),
		}, map[string]string{"Procfile": "0100644 p", "up": "0120000 ../../etc/passwd", "abs": "0120000 /etc/hosts", "dir/rel": "0120000 ../Procfile"}},
		{"a hard link is a copy of an earlier file", []ent{
			{name: "./a", body: "same", mode: 0o755}, {name: "./b", typ: tar.TypeLink, link: "./a"},
		}, map[string]string{"a": "0100755 same", "b": "0100755 same"}},
		{"later duplicates replace earlier ones", []ent{
			{name: "f", body: "one"}, {name: "f", body: "two", mode: 0o755}, linkEnt("s", "x"), {name: "s", body: "file now"},
			dirEnt("d/"), dirEnt("d/"), {name: "d/x", body: "x"},
		}, map[string]string{"f": "0100755 two", "s": "0100644 file now", "d/x": "0100644 x"}},
		{"empty directories are dropped", []ent{
			{name: "Procfile", body: "p"}, dirEnt("empty/"), dirEnt("nested/empty/"),
		}, map[string]string{"Procfile": "0100644 p"}},
		{".git is skipped, at any depth and in any case", []ent{
			{name: "Procfile", body: "p"}, {name: ".gitignore", body: "g"},
			dirEnt(".git/"), {name: ".git/config", body: "c"}, {name: "sub/.GIT/HEAD", body: "h"}, {name: "sub/x", body: "x"},
			{name: ".git", body: "gitdir: elsewhere"},
		}, map[string]string{"Procfile": "0100644 p", ".gitignore": "0100644 g", "sub/x": "0100644 x"}},
		{"an empty file", []ent{{name: "empty"}}, map[string]string{"empty": "0100644 "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := convert(t, bytes.NewReader(tgzOf(t, tt.entries...)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := listing(t, p); !maps.Equal(got, tt.want) {
				t.Errorf("tree =\n%v\nwant\n%v", got, tt.want)
			}
			// What the engine gets is what the tree holds.
			if err := p.CheckContext(); err != nil {
				t.Errorf("CheckContext: %v", err)
			}
			files, err := tarFiles(p)
			if err != nil {
				t.Fatalf("WriteTar: %v", err)
			}
			for name, want := range tt.want {
				if mode, body, _ := strings.Cut(want, " "); mode != "0120000" && files[name] != body {
					t.Errorf("build context has %s = %q, want %q", name, files[name], body)
				}
			}
		})
	}
}

// The commit has no parent and is the platform's; trees are in git's order,
// so that git itself reads them (fsck would flag a misordered tree).
func TestSourceCommit(t *testing.T) {
	p, err := convert(t, bytes.NewReader(tgzOf(t,
		ent{name: "a-b", body: "1"}, ent{name: "a/x", body: "2"}, ent{name: "a.c", body: "3"}, ent{name: "A", body: "4"},
	)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Repo.CommitObject(plumbing.NewHash(p.Commit))
	if err != nil {
		t.Fatal(err)
	}
	if c.NumParents() != 0 || c.Author.String() != "paas <builds@paas>" || c.Committer.String() != "paas <builds@paas>" || c.Message != "Build of source blob\n" {
		t.Errorf("commit: parents %d, author %q, committer %q, message %q", c.NumParents(), c.Author.String(), c.Committer.String(), c.Message)
	}
	tree, err := c.Tree()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range tree.Entries {
		names = append(names, e.Name)
	}
	if want := []string{"A", "a-b", "a.c", "a"}; !slices.Equal(names, want) {
		t.Errorf("tree order %v, want git's %v", names, want)
	}
}

func TestSourceMessage(t *testing.T) {
	for version, want := range map[string]string{
		"":                        "Build of source blob\n",
		"v1.2":                    "Build of source blob v1.2\n",
		"a\nb\x00c":               "Build of source blob a bc\n",
		strings.Repeat("x", 1000): "Build of source blob " + strings.Repeat("x", 300) + "...\n",
	} {
		if got := sourceMessage(version); got != want {
			t.Errorf("sourceMessage(%.20q) = %q, want %q", version, got, want)
		}
	}
}

func TestSourceTreeRefused(t *testing.T) {
	big := strings.Repeat("x", 40<<10)
	tests := []struct {
		name    string
		entries []ent
		limits  Options
		want    string
		limit   bool // wraps ErrContextTooLarge
	}{
		{"absolute path", []ent{{name: "/etc/passwd", body: "x"}}, Options{}, "absolute path, /etc/passwd", false},
		{"dot-dot", []ent{{name: "a/../../x", body: "x"}}, Options{}, "unsafe path, a/../../x", false},
		{"leading dot-dot", []ent{{name: "../x", body: "x"}}, Options{}, "unsafe path, ../x", false},
		{"empty component", []ent{{name: "a//b", body: "x"}}, Options{}, "unsafe path, a//b", false},
		{"empty name", []ent{{name: "", body: "x"}}, Options{}, "an entry without a name", false},
		{"a file as the top directory", []ent{{name: ".", body: "x"}}, Options{}, "where the archive's top directory should be", false},
		{"file then directory", []ent{{name: "a", body: "x"}, {name: "a/b", body: "y"}}, Options{}, "a is both a file and a directory", false},
		{"directory then file", []ent{{name: "a/b", body: "y"}, {name: "a", body: "x"}}, Options{}, "a is both a file and a directory", false},
		{"symlink then directory", []ent{linkEnt("a", "/tmp"), {name: "a/b", body: "y"}}, Options{}, "a is both a file and a directory", false},
		{"directory entry over a file", []ent{{name: "a", body: "x"}, dirEnt("a/")}, Options{}, "a is both a file and a directory", false},
		{"fifo", []ent{{name: "pipe", typ: tar.TypeFifo}}, Options{}, "pipe is a named pipe: only files, directories and symlinks", false},
		{"device", []ent{{name: "dev/null", typ: tar.TypeChar}}, Options{}, "dev/null is a character device", false},
		{"hard link to nothing", []ent{{name: "b", typ: tar.TypeLink, link: "a"}}, Options{}, `hard link b names "a", which is not a file earlier`, false},
		{"hard link to a later file", []ent{{name: "b", typ: tar.TypeLink, link: "a"}, {name: "a", body: "x"}}, Options{}, `hard link b names "a"`, false},
		{"hard link to a directory", []ent{dirEnt("d/"), {name: "b", typ: tar.TypeLink, link: "d/"}}, Options{}, `hard link b names "d/"`, false},
		{"symlink without target", []ent{linkEnt("s", "")}, Options{}, "symlink s has no target", false},
		{"symlink target too long", []ent{linkEnt("s", strings.Repeat("a", builder.MaxSymlinkTarget+1))}, Options{}, "longer than 4096 bytes", false},
		{"too deep", []ent{{name: strings.Repeat("d/", builder.MaxTreeDepth) + "f", body: "x"}}, Options{}, "more than 256 directories deep", false},
		{"no files", []ent{dirEnt("a/"), dirEnt("b/c/")}, Options{}, "holds no files", false},
		{"only .git", []ent{{name: ".git/HEAD", body: "ref"}}, Options{}, "holds no files", false},
		{"file over the object limit", []ent{{name: "big", body: big}}, Options{MaxObjectBytes: 1 << 10},
			"the file big is 40 KiB, over the 1 KiB limit per file", false},
		{"files over the context limit", []ent{{name: "a", body: big}, {name: "b", body: big}}, Options{MaxContextBytes: 64 << 10},
			"its files add up to more than 64 KiB (PAAS_BUILD_CONTEXT_MAX), past b (40 KiB)", true},
		{"hard link copies count", []ent{{name: "a", body: big}, {name: "b", typ: tar.TypeLink, link: "a"}}, Options{MaxContextBytes: 64 << 10},
			"its files add up to more than 64 KiB (PAAS_BUILD_CONTEXT_MAX), past b", true},
		{"too many entries", []ent{{name: "a", body: "1"}, {name: "b", body: "2"}, {name: "c", body: "3"}, {name: "d", body: "4"}}, Options{MaxContextFiles: 3},
			"more than 3 files and directories (PAAS_BUILD_CONTEXT_MAX_FILES), at d", true},
		{"too many implied directories", []ent{{name: "a/b/c/d", body: "1"}}, Options{MaxContextFiles: 3},
			"more than 3 files and directories (PAAS_BUILD_CONTEXT_MAX_FILES), at a/b/c/d", true},
		{"duplicates count as archive entries", []ent{{name: "a", body: "1"}, {name: "a", body: "2"}, {name: "a", body: "3"}, {name: "a", body: "4"}}, Options{MaxContextFiles: 3},
			"more than 3 files and directories (PAAS_BUILD_CONTEXT_MAX_FILES), at a", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := convert(t, bytes.NewReader(tgzOf(t, tt.entries...)), tt.limits)
			if !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalidSource saying %q", err, tt.want)
			}
			if errors.Is(err, builder.ErrContextTooLarge) != tt.limit {
				t.Errorf("errors.Is(err, ErrContextTooLarge) = %v, want %v", !tt.limit, tt.limit)
			}
		})
	}
}

// Names a tar writer cannot make are refused all the same.
func TestSourcePath(t *testing.T) {
	for name, want := range map[string]string{
		"a\x00b": "NUL byte", "/": "absolute path", "./..": "unsafe path", "a/./b": "unsafe path", ".//a": "unsafe path",
	} {
		if _, err := sourcePath(name); !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), want) {
			t.Errorf("sourcePath(%q) = %v, want an error saying %q", name, err, want)
		}
	}
	for name, want := range map[string][]string{
		".": nil, "./": nil, "././a/": {"a"}, "a/b/": {"a", "b"}, "..a/b..": {"..a", "b.."},
	} {
		if got, err := sourcePath(name); err != nil || !slices.Equal(got, want) {
			t.Errorf("sourcePath(%q) = %q, %v, want %q", name, got, err, want)
		}
	}
}

func TestSourceBlobNotATarGz(t *testing.T) {
	good := tgzOf(t, ent{name: "Procfile", body: strings.Repeat("web: run\n", 1000)})
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-6] ^= 0xff // in the gzip trailer's CRC-32
	tests := []struct {
		name string
		blob []byte
		want string
	}{
		{"empty", nil, "the source blob is empty"},
		{"text", []byte("hello, this is not an archive\n"), "the source blob is not a gzip-compressed tar archive (.tar.gz): make one with: tar -czf"},
		{"a zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), "not a gzip-compressed tar archive (.tar.gz)"},
		{"gzip of text", gzipOf(t, gzip.DefaultCompression, bytes.Repeat([]byte("not a tar header "), 100)), "not a gzip-compressed tar archive (.tar.gz)"},
		{"plain tar", tarOf(t, ent{name: "Procfile", body: "p"}), "not a gzip-compressed tar archive (.tar.gz)"},
		{"truncated gzip", good[:len(good)/2], "the source blob ends early: it is truncated"},
		{"truncated tar", gzipOf(t, gzip.DefaultCompression, tarOf(t, ent{name: "Procfile", body: strings.Repeat("p", 2000)})[:1000]), "ends early"},
		{"bad checksum", corrupt, "the source blob is damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := convert(t, bytes.NewReader(tt.blob), Options{})
			if !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalidSource saying %q", err, tt.want)
			}
		})
	}
}

// A download cut short is no fault of the blob's.
func TestSourceBlobReadError(t *testing.T) {
	good := tgzOf(t, ent{name: "Procfile", body: "p"})
	reset := errors.New("connection reset by peer")
	_, err := convert(t, io.MultiReader(bytes.NewReader(good[:20]), iotestErrReader{reset}), Options{})
	if !errors.Is(err, reset) || errors.Is(err, ErrInvalidSource) || !strings.HasPrefix(err.Error(), "read the source blob: ") {
		t.Errorf("err = %v, want a read error wrapping the reader's, not ErrInvalidSource", err)
	}
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

// countingReader counts what was read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endlessGzip is a gzip stream that starts with head and goes on with
// zeros, for ever: a gzip bomb. Stop ends it.
func endlessGzip(t *testing.T, head []byte) (*countingReader, func()) {
	t.Helper()
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		zw := gzip.NewWriter(pw)
		if _, err := zw.Write(head); err != nil {
			return
		}
		zeros := make([]byte, 1<<20)
		for {
			if _, err := zw.Write(zeros); err != nil {
				return // the reader stopped
			}
		}
	}()
	stop := func() {
		pr.Close()
		<-done
	}
	t.Cleanup(stop)
	return &countingReader{r: pr}, stop
}

// A gzip bomb is refused once MaxContextBytes are inflated, having read a
// thousandth of that.
func TestSourceGzipBomb(t *testing.T) {
	const max = 16 << 20
	t.Run("zeros after the archive", func(t *testing.T) {
		in, stop := endlessGzip(t, tarOf(t, ent{name: "Procfile", body: "p"}))
		_, err := convert(t, in, Options{MaxContextBytes: max})
		stop()
		if !errors.Is(err, builder.ErrContextTooLarge) || !strings.Contains(err.Error(), "the source blob inflates to more than 16 MiB (PAAS_BUILD_CONTEXT_MAX)") {
			t.Errorf("err = %v, want the inflated size refused", err)
		}
		if in.n > max/100 {
			t.Errorf("read %d compressed bytes to refuse it", in.n)
		}
	})
	t.Run("a huge file of zeros", func(t *testing.T) {
		var hdr bytes.Buffer
		tw := tar.NewWriter(&hdr)
		if err := tw.WriteHeader(&tar.Header{Name: "zeros", Mode: 0o644, Size: 1 << 40}); err != nil {
			t.Fatal(err)
		}
		tw.Flush()
		in, stop := endlessGzip(t, hdr.Bytes())
		_, err := convert(t, in, Options{MaxContextBytes: max, MaxObjectBytes: 1 << 41})
		stop()
		if !errors.Is(err, builder.ErrContextTooLarge) || !strings.Contains(err.Error(), "its files add up to more than 16 MiB (PAAS_BUILD_CONTEXT_MAX), past zeros (1 TiB)") {
			t.Errorf("err = %v, want the file refused by its header", err)
		}
		if in.n > 64<<10 {
			t.Errorf("read %d compressed bytes to refuse a file by its header", in.n)
		}
	})
}

// A blob that does not compress is bounded as sent.
func TestSourceCompressedSizeBound(t *testing.T) {
	random := make([]byte, 60<<10)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	raw := tarOf(t, ent{name: "random", body: string(random)})
	blob := gzipOf(t, gzip.NoCompression, raw)
	if len(blob) <= len(raw) {
		t.Fatalf("stored gzip of %d bytes is no larger than its %d bytes", len(blob), len(raw))
	}
	_, err := convert(t, bytes.NewReader(blob), Options{MaxContextBytes: int64(len(raw))})
	if want := fmt.Sprintf("the source blob is larger than %s (PAAS_BUILD_CONTEXT_MAX)", builder.FormatSize(int64(len(raw)))); !errors.Is(err, builder.ErrContextTooLarge) || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
	if _, err := convert(t, bytes.NewReader(blob), Options{MaxContextBytes: int64(len(blob))}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}
