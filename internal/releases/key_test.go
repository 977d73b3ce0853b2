package releases

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// resealAll seals every release of every app again, in order, with key (nil:
// the unkeyed scheme), as someone who rewrote the data file would, and with
// dropMeta removes the meta bucket's schema and key check too.
func resealAll(t *testing.T, s *Store, key []byte, dropMeta bool) {
	t.Helper()
	err := s.db.Update(func(tx *bolt.Tx) error {
		if dropMeta {
			meta := tx.Bucket(bucketMeta)
			if err := meta.Delete(metaSchema); err != nil {
				return err
			}
			if err := meta.Delete(metaKeyCheck); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketReleases).ForEach(func(app, _ []byte) error {
			rels := tx.Bucket(bucketReleases).Bucket(app)
			var recs []record
			err := rels.ForEach(func(_, data []byte) error {
				var rec record
				if err := decode(data, &rec); err != nil {
					return err
				}
				recs = append(recs, rec)
				return nil
			})
			if err != nil {
				return err
			}
			prev := ""
			for _, rec := range recs {
				rec.PrevDigest = prev
				rec.Digest = rec.release("").digest(key)
				data, err := encode(rec)
				if err != nil {
					return err
				}
				if err := rels.Put(itob(rec.Version), data); err != nil {
					return err
				}
				prev = rec.Digest
			}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("reseal: %v", err)
	}
}

func otherKey() []byte { return bytes.Repeat([]byte{0x17}, KeySize) }

// A history rewritten and sealed again without the key, the old unkeyed way
// or with a key of the tamperer's, does not verify.
func TestVerifyCatchesARewriteResealedWithoutTheKey(t *testing.T) {
	for name, key := range map[string][]byte{"unkeyed": nil, "another key": otherKey()} {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			chain(t, s, "hello", 4)
			rewrite(t, s, "hello", editRecord(2, func(r *record) { r.Config["SECRET"] = "stolen" }))
			resealAll(t, s, key, false)
			v, err := s.Verify("hello")
			if err != nil {
				t.Fatal(err)
			}
			if v.FirstBad != 1 || !strings.Contains(v.Problem, "digest does not match") {
				t.Errorf("Verify = %+v, want the chain broken from v1", v)
			}
		})
	}
}

// oldLedger makes a ledger as paasd wrote it before keys: no meta, unkeyed
// digests. App "broken" was edited behind the ledger's back at v2.
func oldLedger(t *testing.T) (path string, before map[string][]Release) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "paas.db")
	s, err := OpenWithKey(path, testKey, true)
	if err != nil {
		t.Fatal(err)
	}
	chain(t, s, "hello", 3)
	chain(t, s, "broken", 3)
	newApp(t, s, "empty")
	resealAll(t, s, nil, true)
	rewrite(t, s, "broken", editRecord(2, func(r *record) { r.Description = "edited" }))
	before = map[string][]Release{}
	for _, app := range []string{"hello", "broken", "empty"} {
		if before[app], err = s.Releases(app); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	return path, before
}

func TestOpenSealsALedgerFromBeforeKeys(t *testing.T) {
	path, before := oldLedger(t)
	key := otherKey()
	s, err := OpenWithKey(path, key, true)
	if err != nil {
		t.Fatal(err)
	}
	m := s.Migration()
	if m.Resealed != 4 || len(m.Broken) != 1 || m.Broken[0].App != "broken" || m.Broken[0].FirstBad != 2 {
		t.Errorf("migration %+v, want 4 releases sealed (3 of hello, 1 of broken) and broken's chain broken at v2", m)
	}
	got, err := s.VerifyAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []Verification{
		{App: "broken", Checked: 1, FirstBad: 2, Problem: "v2: prev_digest does not match v1's digest"},
		{App: "empty"},
		{App: "hello", Checked: 3},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("VerifyAll = %+v, want %+v", got, want)
	}
	// Every release is kept, with all its content; only digests changed.
	for app, rels := range before {
		after, err := s.Releases(app)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(rels) {
			t.Fatalf("%s has %d releases, had %d", app, len(after), len(rels))
		}
		for i := range rels {
			a, b := rels[i], after[i]
			a.Digest, a.PrevDigest, b.Digest, b.PrevDigest = "", "", "", ""
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s v%d = %+v, was %+v", app, a.Version, b, a)
			}
		}
	}
	// New releases chain onto the sealed ones.
	appendN(t, s, "hello", 1)
	if v, err := s.Verify("hello"); err != nil || v.FirstBad != 0 || v.Checked != 4 {
		t.Errorf("Verify after a new release = %+v, %v", v, err)
	}
	s.Close()

	// Sealed once: the next open does nothing more, and unkeyed digests
	// no longer verify.
	s, err = OpenWithKey(path, key, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := s.Migration(); m.Resealed != 0 || m.Broken != nil {
		t.Errorf("second open migrated again: %+v", m)
	}
	resealAll(t, s, nil, false)
	if v, err := s.Verify("hello"); err != nil || v.FirstBad != 1 {
		t.Errorf("Verify of unkeyed digests in a keyed ledger = %+v, %v; want v1 bad", v, err)
	}
}

// A keyed ledger stripped of its meta and re-sealed unkeyed must not be
// blessed by a key that existed already.
func TestOpenRefusesAnUnkeyedLedgerWithAnOldKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paas.db")
	s, err := OpenWithKey(path, testKey, true)
	if err != nil {
		t.Fatal(err)
	}
	chain(t, s, "hello", 2)
	rewrite(t, s, "hello", editRecord(1, func(r *record) { r.Config["SECRET"] = "stolen" }))
	resealAll(t, s, nil, true)
	s.Close()
	_, err = OpenWithKey(path, testKey, false)
	if err == nil || !strings.Contains(err.Error(), "unkeyed digests") || !strings.Contains(err.Error(), "restore it from a backup") {
		t.Fatalf("Open = %v, want a refusal", err)
	}
	// Nothing was changed: the same ledger still opens with a new key.
	s, err = OpenWithKey(path, otherKey(), true)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestOpenWithAWrongOrMissingKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paas.db")
	s, err := OpenWithKey(path, testKey, true)
	if err != nil {
		t.Fatal(err)
	}
	chain(t, s, "hello", 1)
	s.Close()
	if _, err := OpenWithKey(path, otherKey(), false); !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "PAAS_LEDGER_KEY_FILE") {
		t.Errorf("Open with another key = %v, want ErrWrongKey", err)
	}
	if _, err := OpenWithKey(path, otherKey(), true); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Open with a new key = %v, want ErrWrongKey", err)
	}
	for _, key := range [][]byte{nil, testKey[:16]} {
		if _, err := OpenWithKey(path, key, false); err == nil || !strings.Contains(err.Error(), "want 32") {
			t.Errorf("Open with a %d-byte key = %v", len(key), err)
		}
	}
	// The file is unharmed by the refusals.
	s, err = OpenWithKey(path, testKey, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Verify("hello"); err != nil || v.FirstBad != 0 || v.Checked != 1 {
		t.Errorf("Verify = %+v, %v", v, err)
	}
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	s := newStore(t)
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(metaSchema, []byte("5")) }); err != nil {
		t.Fatal(err)
	}
	path := s.db.Path()
	s.Close()
	if _, err := OpenWithKey(path, testKey, false); err == nil || !strings.Contains(err.Error(), "schema version 5") {
		t.Errorf("Open = %v", err)
	}
}

func TestLoadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeyFile)
	key, fresh, err := LoadKey(path)
	if err != nil || !fresh || len(key) != KeySize {
		t.Fatalf("LoadKey = %x, %v, %v; want a new key", key, fresh, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	again, fresh, err := LoadKey(path)
	if err != nil || fresh || !bytes.Equal(again, key) {
		t.Errorf("LoadKey again = %x, %v, %v; want the same key", again, fresh, err)
	}
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadKey(path); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Errorf("LoadKey of a bad file = %v", err)
	}
	// Open keeps its key next to the data file.
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "paas.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, fresh, err := LoadKey(filepath.Join(dir, KeyFile)); err != nil || fresh {
		t.Errorf("Open made no key file: %v, %v", fresh, err)
	}
}
