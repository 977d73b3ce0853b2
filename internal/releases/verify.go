package releases

import (
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
// The chain shows damage and edits made behind the ledger's back; someone
// able to rewrite the data file could rewrite every digest after an edit too.
func (s *Store) Verify(app string) (Verification, error) {
	var v Verification
	err := s.db.View(func(tx *bolt.Tx) error {
		a, err := getApp(tx, app)
		if err != nil {
			return err
		}
		v, err = verifyApp(tx, a)
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
			v, err := verifyApp(tx, a)
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

func verifyApp(tx *bolt.Tx, a App) (Verification, error) {
	rels, statuses, err := releaseBuckets(tx, a.Name)
	if err != nil {
		return Verification{}, err
	}
	v := Verification{App: a.Name}
	want, prevDigest := 1, ""
	c := rels.Cursor()
	for k, data := c.First(); k != nil; k, data = c.Next() {
		digest, bad, problem := checkRelease(a.Name, want, prevDigest, k, data, statuses)
		if bad != 0 {
			v.FirstBad, v.Problem = bad, problem
			return v, nil
		}
		v.Checked++
		want, prevDigest = want+1, digest
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
// want and follow a release whose digest is prevDigest. It returns the
// record's digest, or the version to name as bad (non-zero) and why. Problems
// never quote the record: it holds config values.
func checkRelease(app string, want int, prevDigest string, k, data []byte, statuses *bolt.Bucket) (digest string, bad int, problem string) {
	if len(k) != 8 || data == nil {
		return "", want, fmt.Sprintf("v%d: unexpected key %x in the releases bucket", want, k)
	}
	switch got := btoi(k); {
	case got < want:
		return "", want, fmt.Sprintf("v%d: unexpected release v%d before it", want, got)
	case got > want:
		return "", want, fmt.Sprintf("v%d is missing", want)
	}
	var rec record
	if err := decode(data, &rec); err != nil {
		return "", want, fmt.Sprintf("v%d: record cannot be decoded", want)
	}
	switch {
	case rec.Version != want:
		return "", want, fmt.Sprintf("v%d: record says it is v%d", want, rec.Version)
	case rec.App != app:
		return "", want, fmt.Sprintf("v%d: record belongs to app %q", want, rec.App)
	case want == 1 && rec.PrevDigest != "":
		return "", want, "v1: prev_digest is set, but v1 has no release before it"
	case rec.PrevDigest != prevDigest:
		return "", want, fmt.Sprintf("v%d: prev_digest does not match v%d's digest", want, want-1)
	case rec.release("").ComputeDigest() != rec.Digest:
		return "", want, fmt.Sprintf("v%d: digest does not match its content", want)
	case statuses.Get(k) == nil:
		return "", want, fmt.Sprintf("v%d: has no status record", want)
	}
	return rec.Digest, 0, ""
}
