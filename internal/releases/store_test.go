package releases

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testKey is the ledger key of newStore's ledgers.
var testKey = bytes.Repeat([]byte{0x5a}, KeySize)

// newStore opens a ledger in a fresh directory, closed when the test ends.
func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := OpenWithKey(filepath.Join(t.TempDir(), "paas.db"), testKey, true)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newApp creates name in s or fails the test.
func newApp(t *testing.T, s *Store, name string) App {
	t.Helper()
	a, err := s.CreateApp(name)
	if err != nil {
		t.Fatalf("CreateApp(%q): %v", name, err)
	}
	return a
}

func TestOpenCreatesPrivateDirAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "paas")
	path := filepath.Join(dir, "paas.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %v, want %v", p, got, want)
		}
	}
}

func TestOpenRefusesGarbage(t *testing.T) {
	rnd := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = byte(r.Uint32())
	}
	tests := map[string][]byte{
		"short text": []byte("this is not a bbolt file\n"),
		"random":     rnd,
	}
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "paas.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path)
			if err == nil {
				s.Close()
				t.Fatal("Open on a garbage file succeeded, want an error")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			got, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if !bytes.Equal(got, content) {
				t.Error("Open changed the garbage file")
			}
		})
	}
}

func TestOpenInUseFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paas.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	start := time.Now()
	s2, err := Open(path)
	elapsed := time.Since(start)
	if err == nil {
		s2.Close()
		t.Fatal("second Open succeeded, want an in-use error")
	}
	if want := "data file " + path + " is in use by another paasd"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	if elapsed > 3*time.Second {
		t.Errorf("second Open took %v, want about %v", elapsed, openTimeout)
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paas.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	newApp(t, s, "hello")
	b, err := s.AddBuild(Build{App: "hello", Commit: strings.Repeat("a", 40), Image: "sha256:1", Procfile: map[string]string{"web": "serve"}})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := s.AppendRelease("hello", func(*Release) (Release, error) {
		return Release{BuildID: b.ID, Image: b.Image, Config: map[string]string{"K": "v"}, Processes: b.Procfile}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus("hello", rel.Version, StatusSucceeded); err != nil {
		t.Fatal(err)
	}
	wantApp, _ := s.App("hello")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if got, err := s.App("hello"); err != nil || !reflect.DeepEqual(got, wantApp) {
		t.Errorf("App after reopen = %+v, %v; want %+v", got, err, wantApp)
	}
	if got, err := s.Build("hello", b.ID); err != nil || !reflect.DeepEqual(got, b) {
		t.Errorf("Build after reopen = %+v, %v; want %+v", got, err, b)
	}
	rel.Status = StatusSucceeded
	if got, err := s.CurrentRelease("hello"); err != nil || !reflect.DeepEqual(got, rel) {
		t.Errorf("CurrentRelease after reopen = %+v, %v; want %+v", got, err, rel)
	}
	if v, err := s.Verify("hello"); err != nil || v.FirstBad != 0 || v.Checked != 1 {
		t.Errorf("Verify after reopen = %+v, %v; want intact", v, err)
	}
}

// The stored record must carry every field of Release except Status, or a
// field added to Release would silently not be stored.
func TestRecordMirrorsRelease(t *testing.T) {
	fields := func(v any) map[string]string {
		m := map[string]string{}
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			m[f.Name] = f.Type.String() + " " + string(f.Tag)
		}
		return m
	}
	want := fields(Release{})
	delete(want, "Status")
	got := fields(record{})
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("record lacks Release field %s", name)
			continue
		}
		if g != w {
			t.Errorf("record.%s = %q, Release.%s = %q", name, g, name, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("record has field %s that Release lacks", name)
		}
	}

	// And toRecord and release must copy every one of them.
	full := goldenRelease()
	full.Digest, full.Status = full.digest(testKey), StatusSucceeded
	if back := toRecord(full).release(StatusSucceeded); !reflect.DeepEqual(back, full) {
		t.Errorf("Release -> record -> Release = %+v, want %+v", back, full)
	}
}
