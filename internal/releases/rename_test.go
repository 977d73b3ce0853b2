package releases

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestRenameAppMovesEverything(t *testing.T) {
	s := newStore(t)
	before := newApp(t, s, "hello")
	newApp(t, s, "other")
	if _, err := s.AddBuild(Build{App: "hello", Commit: "c1"}); err != nil {
		t.Fatal(err)
	}
	appendN(t, s, "hello", 2)
	if err := s.SetStatus("hello", 2, StatusSucceeded); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateFormation("hello", map[string]int{"web": 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSettings("hello", func(st *Settings) error { st.Maintenance = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddDomain("hello", "www.example.com"); err != nil {
		t.Fatal(err)
	}

	a, err := s.RenameApp("hello", "world")
	if err != nil {
		t.Fatalf("RenameApp: %v", err)
	}
	want := before
	want.Name, want.CurrentVersion = "world", 2
	want.FormerNames = []FormerName{{Name: "hello", UpTo: 2}}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("renamed app = %+v, want %+v", a, want)
	}
	if _, err := s.App("hello"); !errors.Is(err, ErrNotFound) {
		t.Errorf("App(old name) = %v, want ErrNotFound", err)
	}
	rels, err := s.Releases("world")
	if err != nil || len(rels) != 2 || rels[0].App != "world" || rels[0].Status != StatusSucceeded {
		t.Fatalf("releases under the new name = %+v, %v", rels, err)
	}
	if b, err := s.Build("world", 1); err != nil || b.App != "world" || b.Commit != "c1" {
		t.Errorf("build under the new name = %+v, %v", b, err)
	}
	if f, err := s.Formation("world"); err != nil || f["web"] != 3 {
		t.Errorf("formation = %v, %v", f, err)
	}
	if st, err := s.Settings("world"); err != nil || !st.Maintenance {
		t.Errorf("settings = %+v, %v", st, err)
	}
	if ds, err := s.Domains("world"); err != nil || len(ds) != 1 || ds[0] != "www.example.com" {
		t.Errorf("domains = %v, %v", ds, err)
	}
	if all, _ := s.AllDomains(); all["www.example.com"] != "world" {
		t.Errorf("domain owner = %q, want world", all["www.example.com"])
	}

	// The chain verifies across the rename, and grows under the new name;
	// a second rename keeps both former names.
	appendN(t, s, "world", 1)
	if _, err := s.RenameApp("world", "third"); err != nil {
		t.Fatal(err)
	}
	appendN(t, s, "third", 1)
	path := s.db.Path()
	s.Close()
	s, err = OpenWithKey(path, testKey, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Verify("third"); err != nil || v.FirstBad != 0 || v.Checked != 4 {
		t.Fatalf("Verify after two renames = %+v, %v; want 4 intact", v, err)
	}
	if a, _ := s.App("third"); !reflect.DeepEqual(a.FormerNames, []FormerName{{"hello", 2}, {"world", 3}}) {
		t.Errorf("former names = %+v", a.FormerNames)
	}

	// The old names are free again, and a new app under one starts empty.
	newApp(t, s, "hello")
	if rels, err := s.Releases("hello"); err != nil || len(rels) != 0 {
		t.Errorf("releases of a new app under a former name = %d, %v", len(rels), err)
	}
	if vs, err := s.VerifyAll(); err != nil || len(vs) != 3 {
		t.Fatalf("VerifyAll = %+v, %v", vs, err)
	} else {
		for _, v := range vs {
			if v.FirstBad != 0 {
				t.Errorf("VerifyAll: %+v", v)
			}
		}
	}
}

func TestRenameAppRefusals(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	newApp(t, s, "taken")
	appendN(t, s, "hello", 1)
	for _, tt := range []struct {
		old, new string
		want     error
	}{
		{"hello", "taken", ErrExists},
		{"hello", "Bad_Name", ErrInvalid},
		{"hello", "ends-", ErrInvalid},
		{"nope", "fresh", ErrNotFound},
	} {
		if _, err := s.RenameApp(tt.old, tt.new); !errors.Is(err, tt.want) {
			t.Errorf("RenameApp(%s, %s) = %v, want %v", tt.old, tt.new, err, tt.want)
		}
	}
	if rels, err := s.Releases("hello"); err != nil || len(rels) != 1 || rels[0].App != "hello" {
		t.Errorf("a refused rename changed the app: %+v, %v", rels, err)
	}
}

// A record sealed under one name does not pass for a release of the app
// after its rename at a version sealed under the new name.
func TestVerifyChecksTheNameAtEachVersion(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	appendN(t, s, "hello", 1)
	if _, err := s.RenameApp("hello", "world"); err != nil {
		t.Fatal(err)
	}
	appendN(t, s, "world", 1)
	// Pretend the rename happened after v2, not before it.
	err := s.db.Update(func(tx *bolt.Tx) error {
		a, err := getApp(tx, "world")
		if err != nil {
			return err
		}
		a.FormerNames[0].UpTo = 2
		return putApp(tx, a)
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Verify("world"); err != nil || v.FirstBad != 2 {
		t.Errorf("Verify = %+v, %v; want v2 named as bad", v, err)
	}
}

func TestOpenUpgradesOlderSchemas(t *testing.T) {
	for _, old := range []string{"2", "3"} {
		t.Run("schema "+old, func(t *testing.T) { testOpenUpgrades(t, old) })
	}
}

func testOpenUpgrades(t *testing.T, old string) {
	path := filepath.Join(t.TempDir(), "paas.db")
	s, err := OpenWithKey(path, testKey, true)
	if err != nil {
		t.Fatal(err)
	}
	newApp(t, s, "hello")
	appendN(t, s, "hello", 1)
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(metaSchema, []byte(old)) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenWithKey(path, testKey, false)
	if err != nil {
		t.Fatalf("open a schema %s ledger: %v", old, err)
	}
	defer s.Close()
	var got string
	_ = s.db.View(func(tx *bolt.Tx) error { got = string(tx.Bucket(bucketMeta).Get(metaSchema)); return nil })
	if got != "4" {
		t.Errorf("schema after open = %q, want 4", got)
	}
	if v, err := s.Verify("hello"); err != nil || v.FirstBad != 0 || v.Checked != 1 {
		t.Errorf("Verify = %+v, %v", v, err)
	}
}
