package releases

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Statuses of a BuildRun: Heroku's words, and building and cancelled.
const (
	BuildRunPending   = "pending" // waiting for a build slot, or fetching its source
	BuildRunBuilding  = "building"
	BuildRunSucceeded = "succeeded"
	BuildRunFailed    = "failed"
	BuildRunCancelled = "cancelled"
)

// Where a BuildRun's source came from.
const (
	BuildSourcePush  = "git push"
	BuildSourceBlob  = "source blob" // POST /apps/{app}/builds; "" in a schema 3 record
	BuildSourceImage = "image"       // paasctl deploy --image: no build at all
)

// BuildRun is one build of an app, whatever it came from, recorded when it
// starts, so that its id and its outcome, a failure too, outlive a
// restart. Unlike a Build it may have no image: one that went live names
// its Build and its release. Its output is kept beside the ledger
// (platform's build logs), not in it.
type BuildRun struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Source string `json:"source,omitempty"`
	// Builder is how it was built: a language ("go"), "dockerfile", or
	// "image"; "" until detected.
	Builder string `json:"builder,omitempty"`
	// URL is a source blob's URL as given: a signed URL is a credential,
	// like a config value.
	URL      string `json:"url,omitempty"`
	Checksum string `json:"checksum,omitempty"`
	Version  string `json:"version,omitempty"`
	// VersionDescription is the source blob's, as given.
	VersionDescription string `json:"version_description,omitempty"`
	// Image is what paasctl deploy --image named.
	Image   string `json:"image,omitempty"`
	Commit  string `json:"commit,omitempty"`
	BuildID int    `json:"build_id,omitempty"` // the ledger's Build, once live
	Release int    `json:"release,omitempty"`  // the version it made, once live
	// Error is why it failed or was cancelled.
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// StartedAt is when it left the queue and began building.
	StartedAt time.Time `json:"started_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Finished says whether b has ended.
func (b BuildRun) Finished() bool {
	return b.Status != BuildRunPending && b.Status != BuildRunBuilding
}

// AddBuildRun records b, pending, as the app's newest build run.
func (s *Store) AddBuildRun(app string, b BuildRun) (BuildRun, error) {
	now := time.Now().UTC()
	b.Status, b.CreatedAt, b.UpdatedAt = BuildRunPending, now, now
	err := s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		runs := sub(tx, bucketBuildRuns, app)
		data, err := encode(b)
		if err != nil {
			return err
		}
		return insert(runs, itob(nextID(runs)), data)
	})
	if err != nil {
		return BuildRun{}, fmt.Errorf("add build run: %w", err)
	}
	return b, nil
}

// UpdateBuildRun applies change to the app's build run id, and stamps
// UpdatedAt.
func (s *Store) UpdateBuildRun(app, id string, change func(*BuildRun)) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		runs := sub(tx, bucketBuildRuns, app)
		var key []byte
		var b BuildRun
		err := runs.ForEach(func(k, v []byte) error {
			var x BuildRun
			if err := decode(v, &x); err != nil {
				return fmt.Errorf("build run %d: %w", btoi(k), err)
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
			return fmt.Errorf("app %q build %s: %w", app, id, ErrNotFound)
		}
		change(&b)
		b.UpdatedAt = time.Now().UTC()
		data, err := encode(b)
		if err != nil {
			return err
		}
		return runs.Put(key, data)
	})
	if err != nil {
		return fmt.Errorf("update build run: %w", err)
	}
	return nil
}

// BuildRuns returns the app's build runs, oldest first. A record of schema
// 3 is a source blob's.
func (s *Store) BuildRuns(app string) ([]BuildRun, error) {
	var out []BuildRun
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		return sub(tx, bucketBuildRuns, app).ForEach(func(k, v []byte) error {
			var b BuildRun
			if err := decode(v, &b); err != nil {
				return fmt.Errorf("build run %d: %w", btoi(k), err)
			}
			if b.Source == "" {
				b.Source = BuildSourceBlob
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list build runs: %w", err)
	}
	return out, nil
}

// failUnfinishedBuildRuns marks every pending or building run failed, as
// FailPending does releases.
func failUnfinishedBuildRuns(tx *bolt.Tx) error {
	return tx.Bucket(bucketBuildRuns).ForEachBucket(func(app []byte) error {
		runs := tx.Bucket(bucketBuildRuns).Bucket(app)
		type update struct{ k, v []byte }
		var updates []update
		err := runs.ForEach(func(k, v []byte) error {
			var b BuildRun
			if err := decode(v, &b); err != nil {
				return nil // left for a human: it is no release
			}
			if b.Finished() {
				return nil
			}
			b.Status, b.UpdatedAt = BuildRunFailed, time.Now().UTC()
			b.Error = "paasd stopped during the build"
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
			if err := runs.Put(u.k, u.v); err != nil {
				return fmt.Errorf("app %q build run: %w", app, err)
			}
		}
		return nil
	})
}
