package releases

import (
	"path/filepath"
	"regexp"
	"testing"

	bolt "go.etcd.io/bbolt"
)

var appIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRecreatedAppHasANewID(t *testing.T) {
	s := newStore(t)
	first := newApp(t, s, "hello")
	if !appIDPattern.MatchString(first.ID) {
		t.Fatalf("app id = %q, want a UUID-shaped id", first.ID)
	}
	if err := s.DestroyApp("hello"); err != nil {
		t.Fatal(err)
	}
	second := newApp(t, s, "hello")
	if second.ID == first.ID {
		t.Fatalf("app created again under its old name kept the id %s: work of the destroyed app would pass for its", first.ID)
	}
	got, err := s.App("hello")
	if err != nil || got.ID != second.ID {
		t.Fatalf("App = %+v, %v; want id %s", got, err, second.ID)
	}
}

// A ledger written before apps had ids: Open gives each app one and keeps
// everything else, the release chain included.
func TestOpenGivesOldAppsAnID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paas.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	newApp(t, s, "old")
	if _, err := s.AppendRelease("old", func(*Release) (Release, error) {
		return Release{Description: "Set FOO", CreatedBy: "me", Config: map[string]string{"FOO": "1"}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	before, err := s.App("old")
	if err != nil {
		t.Fatal(err)
	}
	// Write the record back as an older paasd did, without "id".
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketApps).Put([]byte("old"),
			[]byte(`{"name":"old","created_at":"`+before.CreatedAt.Format("2006-01-02T15:04:05.999999999Z07:00")+`","current_version":1}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	after, err := s.App("old")
	if err != nil {
		t.Fatal(err)
	}
	if !appIDPattern.MatchString(after.ID) {
		t.Fatalf("app id after Open = %q, want one given", after.ID)
	}
	if after.Name != before.Name || !after.CreatedAt.Equal(before.CreatedAt) || after.CurrentVersion != 1 {
		t.Errorf("app after Open = %+v, want %+v with an id and current version 1", after, before)
	}
	if rep, err := s.Verify("old"); err != nil || rep.FirstBad != 0 || rep.Checked != 1 {
		t.Errorf("Verify after Open = %+v, %v; want the chain intact", rep, err)
	}
	// Stable: opening again does not give it another.
	s.Close()
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	again, err := s.App("old")
	if err != nil || again.ID != after.ID {
		t.Errorf("id after a second Open = %q, %v; want %q", again.ID, err, after.ID)
	}
}
