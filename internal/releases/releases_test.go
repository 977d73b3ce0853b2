package releases

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// appendN appends n releases to app, each adding config var V<version>.
func appendN(t *testing.T, s *Store, app string, n int) []Release {
	t.Helper()
	var out []Release
	for range n {
		rel, err := s.AppendRelease(app, func(prev *Release) (Release, error) {
			next := Release{Config: map[string]string{}}
			if prev != nil {
				next.Config = prev.Config
			}
			next.Config[fmt.Sprintf("V%d", len(out)+1)] = "x"
			return next, nil
		})
		if err != nil {
			t.Fatalf("AppendRelease: %v", err)
		}
		out = append(out, rel)
	}
	return out
}

func TestAppendReleaseNumbersAndPrev(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	newApp(t, s, "other")
	var prevs []int // prev.Version seen by next; 0 for nil
	for i := 1; i <= 3; i++ {
		rel, err := s.AppendRelease("hello", func(prev *Release) (Release, error) {
			pv := 0
			if prev != nil {
				pv = prev.Version
				if prev.Description != fmt.Sprintf("release %d", pv) {
					t.Errorf("prev = %+v, not the stored v%d", prev, pv)
				}
			}
			prevs = append(prevs, pv)
			// Store-owned fields set by next are overridden.
			return Release{Version: 99, App: "other", Status: StatusSucceeded, Description: fmt.Sprintf("release %d", i)}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rel.Version != i || rel.App != "hello" || rel.Status != StatusPending || rel.CreatedAt.IsZero() {
			t.Errorf("release %d = %+v", i, rel)
		}
		if rel.CreatedAt.Location().String() != "UTC" {
			t.Errorf("CreatedAt location = %v, want UTC", rel.CreatedAt.Location())
		}
		if rel.Config == nil || rel.Processes == nil {
			t.Errorf("nil maps in %+v, want empty", rel)
		}
	}
	if want := []int{0, 1, 2}; !slices.Equal(prevs, want) {
		t.Errorf("prev versions = %v, want %v", prevs, want)
	}
	if rels, _ := s.Releases("other"); len(rels) != 0 {
		t.Errorf("other app got %d releases", len(rels))
	}
	// Numbering is per app.
	if rels := appendN(t, s, "other", 1); rels[0].Version != 1 {
		t.Errorf("other app's first release = v%d, want v1", rels[0].Version)
	}
}

func TestReleasesNewestFirst(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	if rels, err := s.Releases("hello"); err != nil || rels == nil || len(rels) != 0 {
		t.Fatalf("Releases with none = %#v, %v; want empty, non-nil", rels, err)
	}
	appended := appendN(t, s, "hello", 12) // past 9, where string order would differ
	rels, err := s.Releases("hello")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range rels {
		got = append(got, r.Version)
	}
	if want := []int{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}; !slices.Equal(got, want) {
		t.Fatalf("Releases versions = %v, want %v", got, want)
	}
	one, err := s.Release("hello", 5)
	if err != nil {
		t.Fatal(err)
	}
	if one.Version != 5 || len(one.Config) != 5 || !one.CreatedAt.Equal(appended[4].CreatedAt) {
		t.Errorf("Release(5) = %+v, want %+v", one, appended[4])
	}
}

func TestAppendReleaseAbortStoresNothing(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	appendN(t, s, "hello", 1)
	boom := errors.New("boom")
	_, err := s.AppendRelease("hello", func(*Release) (Release, error) { return Release{}, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("AppendRelease error = %v, want the one next returned", err)
	}
	if rels, _ := s.Releases("hello"); len(rels) != 1 {
		t.Errorf("%d releases after an aborted append, want 1", len(rels))
	}
	if rels := appendN(t, s, "hello", 1); rels[0].Version != 2 {
		t.Errorf("append after abort = v%d, want v2", rels[0].Version)
	}
}

func TestAppendReleaseErrors(t *testing.T) {
	s := newStore(t)
	called := false
	_, err := s.AppendRelease("nope", func(*Release) (Release, error) { called = true; return Release{}, nil })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("AppendRelease to missing app: %v, want ErrNotFound", err)
	}
	if called {
		t.Error("next was called for a missing app")
	}
	newApp(t, s, "hello")
	if _, err := s.Release("hello", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Release of missing version: %v, want ErrNotFound", err)
	}
	if _, err := s.Release("nope", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Release of missing app: %v, want ErrNotFound", err)
	}
	if _, err := s.Releases("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Releases of missing app: %v, want ErrNotFound", err)
	}
}

func TestAppendReleaseCopiesMaps(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	cfg := map[string]string{"A": "1"}
	rel, err := s.AppendRelease("hello", func(*Release) (Release, error) {
		return Release{Config: cfg, Processes: map[string]string{"web": "serve"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg["A"] = "changed input"
	rel.Config["A"] = "changed output"
	_, err = s.AppendRelease("hello", func(prev *Release) (Release, error) {
		prev.Config["A"] = "changed prev"
		return Release{}, errors.New("abort")
	})
	if err == nil {
		t.Fatal("want the abort error")
	}
	got, err := s.Release("hello", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Config["A"] != "1" {
		t.Errorf("stored config changed through a caller's map: %v", got.Config)
	}
}

// Twenty concurrent appends, each adding its own config var to what it read:
// versions must be exactly 1..20 and the last release must hold all twenty
// vars, which fails if two appends ever read the same newest release.
func TestAppendReleaseConcurrent(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	const n = 20
	versions := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rel, err := s.AppendRelease("hello", func(prev *Release) (Release, error) {
				cfg := map[string]string{}
				if prev != nil {
					cfg = prev.Config
				}
				cfg[fmt.Sprintf("G%d", i)] = "x"
				return Release{Config: cfg}, nil
			})
			versions[i], errs[i] = rel.Version, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	slices.Sort(versions)
	for i, v := range versions {
		if v != i+1 {
			t.Fatalf("versions = %v, want 1..%d with no gaps or duplicates", versions, n)
		}
	}
	last, err := s.Release("hello", n)
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Config) != n {
		t.Errorf("v%d has %d config vars, want %d: an append lost a change", n, len(last.Config), n)
	}
}

// The write path refuses to overwrite: a release key, or its status key,
// that already exists is an error and leaves the stored release as it was.
func TestAppendRecordRefusesExistingKey(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	orig := appendN(t, s, "hello", 1)[0]

	err := s.db.Update(func(tx *bolt.Tx) error {
		rels, statuses := sub(tx, bucketReleases, "hello"), sub(tx, bucketStatus, "hello")
		return appendRecord(rels, statuses, record{Version: 1, App: "hello", Image: "sha256:evil"})
	})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("appendRecord over v1: %v, want ErrExists", err)
	}
	if !strings.Contains(err.Error(), "append-only") {
		t.Errorf("error %q does not say why", err)
	}
	got, err := s.Release("hello", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Image != orig.Image || !got.CreatedAt.Equal(orig.CreatedAt) {
		t.Errorf("v1 changed to %+v", got)
	}

	// A status key left behind must not be silently reused either.
	err = s.db.Update(func(tx *bolt.Tx) error {
		statuses := sub(tx, bucketStatus, "hello")
		if err := statuses.Put(itob(2), []byte(StatusSucceeded)); err != nil {
			return err
		}
		return appendRecord(sub(tx, bucketReleases, "hello"), statuses, record{Version: 2, App: "hello"})
	})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("appendRecord with an existing status key: %v, want ErrExists", err)
	}
}
