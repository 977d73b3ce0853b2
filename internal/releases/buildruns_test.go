package releases

import (
	"errors"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestBuildRuns(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	b, err := s.AddBuildRun("hello", BuildRun{ID: "b1", URL: "https://example.com/a.tgz"})
	if err != nil || b.Status != BuildRunPending || b.CreatedAt.IsZero() {
		t.Fatalf("AddBuildRun = %+v, %v", b, err)
	}
	if _, err := s.AddBuildRun("hello", BuildRun{ID: "b2"}); err != nil {
		t.Fatal(err)
	}
	err = s.UpdateBuildRun("hello", "b1", func(b *BuildRun) { b.Status, b.Release, b.BuildID = BuildRunSucceeded, 1, 1 })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateBuildRun("hello", "nope", func(*BuildRun) {}); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of an unknown build = %v, want ErrNotFound", err)
	}
	if _, err := s.AddBuildRun("nope", BuildRun{ID: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("add to an unknown app = %v, want ErrNotFound", err)
	}

	// They move with a rename; a restart fails the pending one.
	if _, err := s.RenameApp("hello", "world"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FailPending(); err != nil {
		t.Fatal(err)
	}
	sbs, err := s.BuildRuns("world")
	if err != nil || len(sbs) != 2 || sbs[0].ID != "b1" || sbs[0].Status != BuildRunSucceeded || sbs[0].Release != 1 ||
		sbs[1].ID != "b2" || sbs[1].Status != BuildRunFailed {
		t.Fatalf("SourceBuilds = %+v, %v", sbs, err)
	}

	// They go with a destroy; an app created under the name starts with none.
	if err := s.DestroyApp("world"); err != nil {
		t.Fatal(err)
	}
	newApp(t, s, "world")
	if sbs, err := s.BuildRuns("world"); err != nil || len(sbs) != 0 {
		t.Errorf("source builds of a new app = %+v, %v", sbs, err)
	}
}

// An app from before source builds gets their bucket when the ledger opens.
func TestOpenAddsBuildRunsToOldApps(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketBuildRuns).DeleteBucket([]byte("hello")) }); err != nil {
		t.Fatal(err)
	}
	path := s.db.Path()
	s.Close()
	s, err := OpenWithKey(path, testKey, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AddBuildRun("hello", BuildRun{ID: "b1"}); err != nil {
		t.Errorf("AddBuildRun to an app from before source builds: %v", err)
	}
}
