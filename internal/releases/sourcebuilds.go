package releases

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Statuses of a SourceBuild, Heroku's words.
const (
	SourceBuildPending   = "pending"
	SourceBuildSucceeded = "succeeded"
	SourceBuildFailed    = "failed"
)

// SourceBuild is a build of a source blob (POST /apps/{app}/builds),
// recorded when it starts, so that its id and its outcome, a failure too,
// outlive a restart. Unlike a Build it may have no image: one that went
// live names its Build and its release.
type SourceBuild struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	URL      string `json:"url"` // the source blob's URL as given: a signed URL is a credential, like a config value
	Checksum string `json:"checksum,omitempty"`
	Version  string `json:"version,omitempty"`
	// VersionDescription is the source blob's, as given.
	VersionDescription string    `json:"version_description,omitempty"`
	Commit             string    `json:"commit,omitempty"`
	BuildID            int       `json:"build_id,omitempty"` // the ledger's Build, once live
	Release            int       `json:"release,omitempty"`  // the version it made, once live
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// AddSourceBuild records b, pending, as the app's newest source build.
func (s *Store) AddSourceBuild(app string, b SourceBuild) (SourceBuild, error) {
	now := time.Now().UTC()
	b.Status, b.CreatedAt, b.UpdatedAt = SourceBuildPending, now, now
	err := s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		sbs := sub(tx, bucketSourceBuilds, app)
		data, err := encode(b)
		if err != nil {
			return err
		}
		return insert(sbs, itob(nextID(sbs)), data)
	})
	if err != nil {
		return SourceBuild{}, fmt.Errorf("add source build: %w", err)
	}
	return b, nil
}

// UpdateSourceBuild applies change to the app's source build id, and
// stamps UpdatedAt.
func (s *Store) UpdateSourceBuild(app, id string, change func(*SourceBuild)) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		sbs := sub(tx, bucketSourceBuilds, app)
		var key []byte
		var b SourceBuild
		err := sbs.ForEach(func(k, v []byte) error {
			var x SourceBuild
			if err := decode(v, &x); err != nil {
				return fmt.Errorf("source build %d: %w", btoi(k), err)
			}
			if x.ID == id {
				key, b = k, x
			}
			return nil
		})
		if err != nil {
			return err
		}
		if key == nil {
			return fmt.Errorf("app %q source build %s: %w", app, id, ErrNotFound)
		}
		change(&b)
		b.UpdatedAt = time.Now().UTC()
		data, err := encode(b)
		if err != nil {
			return err
		}
		return sbs.Put(key, data)
	})
	if err != nil {
		return fmt.Errorf("update source build: %w", err)
	}
	return nil
}

// SourceBuilds returns the app's source builds, oldest first.
func (s *Store) SourceBuilds(app string) ([]SourceBuild, error) {
	var out []SourceBuild
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		return sub(tx, bucketSourceBuilds, app).ForEach(func(k, v []byte) error {
			var b SourceBuild
			if err := decode(v, &b); err != nil {
				return fmt.Errorf("source build %d: %w", btoi(k), err)
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list source builds: %w", err)
	}
	return out, nil
}

// failPendingSourceBuilds marks every pending source build failed, as
// FailPending does releases.
func failPendingSourceBuilds(tx *bolt.Tx) error {
	return tx.Bucket(bucketSourceBuilds).ForEachBucket(func(app []byte) error {
		sbs := tx.Bucket(bucketSourceBuilds).Bucket(app)
		type update struct{ k, v []byte }
		var updates []update
		err := sbs.ForEach(func(k, v []byte) error {
			var b SourceBuild
			if err := decode(v, &b); err != nil {
				return nil // left for a human: it is no release
			}
			if b.Status != SourceBuildPending {
				return nil
			}
			b.Status, b.UpdatedAt = SourceBuildFailed, time.Now().UTC()
			data, err := encode(b)
			if err != nil {
				return err
			}
			updates = append(updates, update{append([]byte(nil), k...), data})
			return nil
		})
		if err != nil {
			return err
		}
		// bbolt forbids changing a bucket while iterating it.
		for _, u := range updates {
			if err := sbs.Put(u.k, u.v); err != nil {
				return fmt.Errorf("app %q source build: %w", app, err)
			}
		}
		return nil
	})
}
