package releases

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// appendN appends n pending releases to app, each adding config var
// V<i> (its index in this call) to the current release's config.
func appendN(t *testing.T, s *Store, app string, n int) []Release {
	t.Helper()
	var out []Release
	for range n {
		rel, err := s.AppendRelease(app, func(cur *Release) (Release, error) {
			next := Release{Config: map[string]string{}}
			if cur != nil {
				next.Config = cur.Config
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

// setStatus settles a release or fails the test.
func setStatus(t *testing.T, s *Store, app string, version int, st Status) {
	t.Helper()
	if err := s.SetStatus(app, version, st); err != nil {
		t.Fatalf("SetStatus(%s v%d %s): %v", app, version, st, err)
	}
}

// next is handed the live release, not the newest: a release that failed or
// is still pending must not leak its config into the next change.
func TestAppendReleaseDerivesFromCurrent(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	newApp(t, s, "other")
	steps := []struct {
		settle  Status // what becomes of the appended release; "" = left pending
		wantCur int    // version next must be handed; 0 = nil
	}{
		{StatusSucceeded, 0},
		{StatusFailed, 1},
		{"", 1},              // v2 failed: still derived from v1
		{StatusSucceeded, 1}, // v3 pending: still derived from v1
		{"", 4},
	}
	stored := map[int]map[string]string{} // config of each version
	for i, step := range steps {
		version := i + 1
		rel, err := s.AppendRelease("hello", func(cur *Release) (Release, error) {
			cfg := map[string]string{}
			got := 0
			if cur != nil {
				got = cur.Version
				if cur.Status != StatusSucceeded || cur.Description != fmt.Sprintf("release %d", got) || cur.Digest == "" {
					t.Errorf("v%d: current = %+v, not the stored, live v%d", version, cur, got)
				}
				if !maps.Equal(cur.Config, stored[got]) {
					t.Errorf("v%d: current config = %v, want v%d's %v", version, cur.Config, got, stored[got])
				}
				cfg = cur.Config
			}
			if got != step.wantCur {
				t.Errorf("v%d: next got current v%d, want v%d", version, got, step.wantCur)
			}
			cfg[fmt.Sprintf("FROM_V%d", version)] = "x"
			// Store-owned fields set by next are overridden.
			return Release{
				Version: 99, App: "other", Status: StatusSucceeded, Digest: "forged", PrevDigest: "forged",
				Description: fmt.Sprintf("release %d", version), CreatedBy: "test", Config: cfg,
			}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rel.Version != version || rel.App != "hello" || rel.Status != StatusPending || rel.CreatedAt.IsZero() || rel.CreatedBy != "test" {
			t.Errorf("release %d = %+v", version, rel)
		}
		if rel.Digest == "forged" || rel.PrevDigest == "forged" {
			t.Errorf("release %d kept the digests next set: %+v", version, rel)
		}
		if rel.CreatedAt.Location().String() != "UTC" {
			t.Errorf("CreatedAt location = %v, want UTC", rel.CreatedAt.Location())
		}
		if rel.Config == nil || rel.Processes == nil {
			t.Errorf("nil maps in %+v, want empty", rel)
		}
		stored[version] = rel.Config
		if step.settle != "" {
			setStatus(t, s, "hello", version, step.settle)
		}
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
	if one.Version != 5 || one.Config["V5"] != "x" || !one.CreatedAt.Equal(appended[4].CreatedAt) || one.Digest != appended[4].Digest {
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
	setStatus(t, s, "hello", rel.Version, StatusSucceeded)
	cfg["A"] = "changed input"
	rel.Config["A"] = "changed output"
	_, err = s.AppendRelease("hello", func(cur *Release) (Release, error) {
		cur.Config["A"] = "changed current"
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

// Twenty goroutines each append a release adding its own config var to the
// current one, then put it live, racing each other. Versions must be exactly
// 1..20 and the chain intact. Each release must have been derived from one
// stored before it: every other var it holds belongs to a lower version.
// (Two appends can derive from the same current release; callers that must
// not lose a change serialise per app, as AppendRelease documents.)
func TestAppendReleaseConcurrent(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	const n = 20
	versions := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rel, err := s.AppendRelease("hello", func(cur *Release) (Release, error) {
				cfg := map[string]string{}
				if cur != nil {
					cfg = cur.Config
				}
				cfg[fmt.Sprintf("G%d", i)] = "x"
				return Release{Config: cfg}, nil
			})
			if err == nil {
				err = s.SetStatus("hello", rel.Version, StatusSucceeded)
			}
			versions[i], errs[i] = rel.Version, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	versionOf := map[string]int{} // config var -> version that added it
	for i, v := range versions {
		versionOf[fmt.Sprintf("G%d", i)] = v
	}
	sorted := slices.Sorted(slices.Values(versions))
	for i, v := range sorted {
		if v != i+1 {
			t.Fatalf("versions = %v, want 1..%d with no gaps or duplicates", sorted, n)
		}
	}
	rels, err := s.Releases("hello")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rels {
		own := 0
		for k := range r.Config {
			switch v := versionOf[k]; {
			case v == r.Version:
				own++
			case v > r.Version:
				t.Errorf("v%d holds %s from the later v%d", r.Version, k, v)
			}
		}
		if own != 1 {
			t.Errorf("v%d holds %d vars of its own, want 1: %v", r.Version, own, r.Config)
		}
	}
	if v, err := s.Verify("hello"); err != nil || v.FirstBad != 0 || v.Checked != n {
		t.Errorf("Verify after concurrent appends = %+v, %v; want %d intact", v, err, n)
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
