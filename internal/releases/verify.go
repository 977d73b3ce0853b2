package releases

import (
	"crypto/hmac"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Verification is the result of checking one app's digest chain.
type Verification struct {
	App      string `json:"app"`
	Checked  int    `json:"checked"`           // releases found intact, oldest first, before FirstBad
	FirstBad int    `json:"first_bad"`         // version of the first release that does not check out; 0 = chain intact
	Problem  string `json:"problem,omitempty"` // what is wrong with FirstBad, e.g. "v3: digest does not match its content"
}

// Verify walks app's releases oldest first and checks that they are numbered
// 1..N without gaps, that each one's digest matches its content and that each
// one's prev_digest is the digest of the one before. It stops at the first
// release that does not check out. A damaged record is reported in the
// Verification; the error is only for a missing app or a failed read.
//
// The chain shows damage and edits made behind the ledger's back. Digests
// are keyed with the ledger key, kept apart from the data file: someone
// able to rewrite the data file but not to read the key cannot re-seal an
// edited history.
func (s *Store) Verify(app string) (Verification, error) {
	var v Verification
	err := s.db.View(func(tx *bolt.Tx) error {
		a, err := getApp(tx, app)
		if err != nil {
			return err
		}
		v, err = verifyApp(tx, a, s.key)
		return err
	})
	if err != nil {
		return Verification{}, fmt.Errorf("verify releases: %w", err)
	}
	return v, nil
}

// VerifyAll verifies every app, sorted by name, in one read transaction so
// the result is one consistent snapshot of the ledger.
func (s *Store) VerifyAll() ([]Verification, error) {
	out := []Verification{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketApps).ForEach(func(k, data []byte) error {
			var a App
			if err := decode(data, &a); err != nil {
				return fmt.Errorf("app %q: %w", k, err)
			}
			v, err := verifyApp(tx, a, s.key)
			if err != nil {
				return err
			}
			out = append(out, v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("verify releases: %w", err)
	}
	return out, nil
}

// verifyApp checks a's chain with digests keyed with key (nil: the unkeyed
// scheme of old ledgers). On each intact release it calls intact, if set,
// with its key and record.
func verifyApp(tx *bolt.Tx, a App, key []byte) (Verification, error) {
	return walkChain(tx, a, key, nil)
}

func walkChain(tx *bolt.Tx, a App, key []byte, intact func(k []byte, rec record) error) (Verification, error) {
	rels, statuses, err := releaseBuckets(tx, a.Name)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{App: a.Name}
	want, prevDigest := 1, ""
	c := rels.Cursor()
	for k, data := c.First(); k != nil; k, data = c.Next() {
		rec, bad, problem := checkRelease(a.nameAt(want), want, prevDigest, k, data, statuses, key)
		if bad != 0 {
			v.FirstBad, v.Problem = bad, problem
			return v, nil
		}
		if intact != nil {
			if err := intact(k, rec); err != nil {
				return Verification{}, err
			}
		}
		v.Checked++
		want, prevDigest = want+1, rec.Digest
	}
	// The newest releases leave no gap behind when they go missing; the app
	// record still knows which one is live.
	if a.CurrentVersion >= want {
		v.FirstBad = want
		v.Problem = fmt.Sprintf("v%d is missing (the app's current release is v%d)", want, a.CurrentVersion)
	}
	return v, nil
}

// checkRelease checks the record stored under key k, which should be version
// want of the app called app when it was sealed, and follow a release whose digest is prevDigest, digests keyed with
// key. It returns the record, or the version to name as bad (non-zero) and
// why. Problems never quote the record: it holds config values.
func checkRelease(app string, want int, prevDigest string, k, data []byte, statuses *bolt.Bucket, key []byte) (rec record, bad int, problem string) {
	if len(k) != 8 || data == nil {
		return record{}, want, fmt.Sprintf("v%d: unexpected key %x in the releases bucket", want, k)
	}
	switch got := btoi(k); {
	case got < want:
		return record{}, want, fmt.Sprintf("v%d: unexpected release v%d before it", want, got)
	case got > want:
		return record{}, want, fmt.Sprintf("v%d is missing", want)
	}
	if err := decode(data, &rec); err != nil {
		return record{}, want, fmt.Sprintf("v%d: record cannot be decoded", want)
	}
	switch {
	case rec.Version != want:
		return record{}, want, fmt.Sprintf("v%d: record says it is v%d", want, rec.Version)
	case rec.App != app:
		return record{}, want, fmt.Sprintf("v%d: record belongs to app %q", want, rec.App)
	case want == 1 && rec.PrevDigest != "":
		return record{}, want, "v1: prev_digest is set, but v1 has no release before it"
	case rec.PrevDigest != prevDigest:
		return record{}, want, fmt.Sprintf("v%d: prev_digest does not match v%d's digest", want, want-1)
	case !hmac.Equal([]byte(rec.release("").digest(key)), []byte(rec.Digest)):
		return record{}, want, fmt.Sprintf("v%d: digest does not match its content", want)
	case statuses.Get(k) == nil:
		return record{}, want, fmt.Sprintf("v%d: has no status record", want)
	}
	return rec, 0, ""
}
