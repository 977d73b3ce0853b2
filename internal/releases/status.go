package releases

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Status is where a release is in its life. It is the only mutable part of a
// release, kept in its own bucket so the release record itself never changes.
type Status string

const (
	StatusPending   Status = "pending"   // appended, not yet live
	StatusSucceeded Status = "succeeded" // went live at some point
	StatusFailed    Status = "failed"    // never went live (health check, release phase, interrupted by a crash)
)

// SetStatus settles a pending release as succeeded or failed; no other change
// is allowed. Succeeded also makes it the app's current release, in the same
// transaction, so the ledger never shows a live release that is not current.
func (s *Store) SetStatus(app string, version int, st Status) error {
	if st != StatusSucceeded && st != StatusFailed {
		return fmt.Errorf("set status: %w status %q: a release can only be set to %q or %q", ErrInvalid, st, StatusSucceeded, StatusFailed)
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		a, err := getApp(tx, app)
		if err != nil {
			return err
		}
		statuses := sub(tx, bucketStatus, app)
		key := itob(version)
		cur := statuses.Get(key)
		if cur == nil {
			return fmt.Errorf("app %q release v%d: %w", app, version, ErrNotFound)
		}
		if Status(cur) != StatusPending {
			return fmt.Errorf("%w change: app %q release v%d is already %s; only a pending release can change status", ErrInvalid, app, version, cur)
		}
		if err := statuses.Put(key, []byte(st)); err != nil {
			return err
		}
		if st != StatusSucceeded {
			return nil
		}
		a.CurrentVersion = version
		return putApp(tx, a)
	})
	if err != nil {
		return fmt.Errorf("set status: %w", err)
	}
	return nil
}

// FailPending marks every pending release and unfinished build run failed and
// returns how many releases there were. The daemon calls it at start-up:
// nothing is deploying then, so a pending one is one a crash interrupted.
func (s *Store) FailPending() (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := failUnfinishedBuildRuns(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketStatus).ForEachBucket(func(app []byte) error {
			statuses := tx.Bucket(bucketStatus).Bucket(app)
			var pending [][]byte
			// bbolt forbids changing a bucket while iterating it: collect first.
			err := statuses.ForEach(func(k, v []byte) error {
				if Status(v) == StatusPending {
					pending = append(pending, append([]byte(nil), k...))
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, k := range pending {
				if err := statuses.Put(k, []byte(StatusFailed)); err != nil {
					return fmt.Errorf("app %q release v%d: %w", app, btoi(k), err)
				}
			}
			n += len(pending)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("fail pending releases: %w", err)
	}
	return n, nil
}
