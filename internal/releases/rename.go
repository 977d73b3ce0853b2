package releases

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// RenameApp gives the app called old the name new, in one transaction: its
// app record (same id; old joins FormerNames), builds, releases, statuses,
// source builds, formation, settings and custom domains move under new. Release records are
// moved as they are, sealed under the name they were made with, so their
// digests and chain still verify; builds are recorded under new.
func (s *Store) RenameApp(old, new string) (App, error) {
	if err := validateNewAppName(new); err != nil {
		return App{}, fmt.Errorf("rename app: %w", err)
	}
	var app App
	err := s.db.Update(func(tx *bolt.Tx) error {
		a, err := getApp(tx, old)
		if err != nil {
			return err
		}
		if tx.Bucket(bucketApps).Get([]byte(new)) != nil {
			return fmt.Errorf("app %q: %w", new, ErrExists)
		}
		if err := moveBuilds(tx, old, new); err != nil {
			return err
		}
		for _, top := range [][]byte{bucketReleases, bucketStatus, bucketBuildRuns} {
			if err := moveSub(tx, top, old, new); err != nil {
				return err
			}
		}
		for _, top := range [][]byte{bucketFormation, bucketSettings} {
			if err := moveKey(tx.Bucket(top), old, new); err != nil {
				return fmt.Errorf("%s bucket: %w", top, err)
			}
		}
		domains := tx.Bucket(bucketDomains)
		for _, d := range domainsOf(tx, old) {
			if err := domains.Put([]byte(d), []byte(new)); err != nil {
				return fmt.Errorf("domain %s: %w", d, err)
			}
		}
		upTo := 0
		if k, _ := sub(tx, bucketReleases, new).Cursor().Last(); k != nil {
			upTo = btoi(k)
		}
		a.FormerNames = append(a.FormerNames, FormerName{Name: old, UpTo: upTo})
		a.Name = new
		if err := tx.Bucket(bucketApps).Delete([]byte(old)); err != nil {
			return err
		}
		app = a
		return putApp(tx, a)
	})
	if err != nil {
		return App{}, fmt.Errorf("rename app %s to %s: %w", old, new, err)
	}
	return app, nil
}

// moveSub copies top's sub-bucket old, record by record, into a new
// sub-bucket new and deletes old; bbolt cannot rename a bucket. A leftover
// sub-bucket new is damage to report, as in CreateApp.
func moveSub(tx *bolt.Tx, top []byte, old, new string) error {
	from := sub(tx, top, old)
	if from == nil {
		return fmt.Errorf("%s bucket of app %q: %w", top, old, ErrNotFound)
	}
	to, err := tx.Bucket(top).CreateBucket([]byte(new))
	if err != nil {
		return fmt.Errorf("%s bucket: %w", top, err)
	}
	if err := from.ForEach(func(k, v []byte) error { return to.Put(k, v) }); err != nil {
		return fmt.Errorf("%s bucket: %w", top, err)
	}
	return deleteSub(tx, top, old)
}

// moveBuilds is moveSub for builds, whose records name their app: they are
// recorded under new. No digest covers them.
func moveBuilds(tx *bolt.Tx, old, new string) error {
	if err := moveSub(tx, bucketBuilds, old, new); err != nil {
		return err
	}
	builds := sub(tx, bucketBuilds, new)
	type rewrite struct{ k, v []byte }
	var rewrites []rewrite
	err := builds.ForEach(func(k, v []byte) error {
		var b Build
		if err := decode(v, &b); err != nil {
			return fmt.Errorf("build %d: %w", btoi(k), err)
		}
		b.App = new
		data, err := encode(b)
		if err != nil {
			return err
		}
		rewrites = append(rewrites, rewrite{k, data})
		return nil
	})
	if err != nil {
		return err
	}
	// Written after the walk: a bucket must not change under ForEach.
	for _, r := range rewrites {
		if err := builds.Put(r.k, r.v); err != nil {
			return fmt.Errorf("build %d: %w", btoi(r.k), err)
		}
	}
	return nil
}

// moveKey moves b's value at old to new, if there is one.
func moveKey(b *bolt.Bucket, old, new string) error {
	v := b.Get([]byte(old))
	if v == nil {
		return nil
	}
	if err := b.Put([]byte(new), v); err != nil {
		return err
	}
	return b.Delete([]byte(old))
}
