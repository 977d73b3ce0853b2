package releases

import (
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Release is an immutable, numbered combination of a build and config: what
// the runner runs. Only Status changes, and it is stored apart.
type Release struct {
	Version     int               `json:"version"` // 1..N per app, assigned inside the same bbolt tx that stores it
	App         string            `json:"app"`
	BuildID     int               `json:"build_id"` // 0 = no build yet (config-only release)
	Commit      string            `json:"commit"`
	Image       string            `json:"image"`
	Config      map[string]string `json:"config"`
	Processes   map[string]string `json:"processes"`   // process type -> command, from the build's Procfile
	Description string            `json:"description"` // e.g. "Deploy 1a2b3c4"
	CreatedBy   string            `json:"created_by"`  // who or what made it: "git push", "root@host via paasctl", "paasd"
	CreatedAt   time.Time         `json:"created_at"`
	PrevDigest  string            `json:"prev_digest"` // Digest of the release stored before this one; "" for v1
	Digest      string            `json:"digest"`      // keyed digest of this release, set by AppendRelease
	Status      Status            `json:"status"`      // read from the status record; not part of the immutable record
}

// record is a release as stored: everything but its status, which is the
// one thing that changes. It is what the digest chain covers.
type record struct {
	Version     int               `json:"version"`
	App         string            `json:"app"`
	BuildID     int               `json:"build_id"`
	Commit      string            `json:"commit"`
	Image       string            `json:"image"`
	Config      map[string]string `json:"config"`
	Processes   map[string]string `json:"processes"`
	Description string            `json:"description"`
	CreatedBy   string            `json:"created_by"`
	CreatedAt   time.Time         `json:"created_at"`
	PrevDigest  string            `json:"prev_digest"`
	Digest      string            `json:"digest"`
}

func toRecord(r Release) record {
	return record{
		Version: r.Version, App: r.App, BuildID: r.BuildID, Commit: r.Commit, Image: r.Image,
		Config: cloneMap(r.Config), Processes: cloneMap(r.Processes),
		Description: r.Description, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
		PrevDigest: r.PrevDigest, Digest: r.Digest,
	}
}

// release joins r with its status. r's maps are its own (decoded or cloned
// by toRecord), so they are handed over without another copy.
func (r record) release(st Status) Release {
	return Release{
		Version: r.Version, App: r.App, BuildID: r.BuildID, Commit: r.Commit, Image: r.Image,
		Config: r.Config, Processes: r.Processes,
		Description: r.Description, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
		PrevDigest: r.PrevDigest, Digest: r.Digest, Status: st,
	}
}

// cloneMap copies m so callers never share a map with the ledger; nil becomes
// empty so the JSON is {} rather than null.
func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}

// AppendRelease derives a new release with next from the app's current
// release (the live one, at App.CurrentVersion; nil if none has gone live) and
// stores it as version newest+1, pending. next gets the current release, not
// the newest, so the config of a release that failed or is still pending
// never leaks into the next change.
//
// Reading the current release, calling next, validating its config, chaining
// the digest and storing happen in one bbolt transaction, so concurrent
// appends never share a number or break the chain. They can still both derive
// from the same current release: callers that must not lose a change
// serialise their append-and-go-live per app. An error from next is returned
// as is and stores nothing; so does a config that ValidateConfigKey or
// ValidateConfigValue rejects. next runs inside the transaction: it must not
// call the Store, or it deadlocks.
func (s *Store) AppendRelease(app string, next func(current *Release) (Release, error)) (Release, error) {
	var rec record
	var nextErr error
	err := s.db.Update(func(tx *bolt.Tx) error {
		a, err := getApp(tx, app)
		if err != nil {
			return err
		}
		rels, statuses, err := releaseBuckets(tx, app)
		if err != nil {
			return err
		}
		cur, err := current(tx, a)
		if err != nil {
			return err
		}
		var rel Release
		if rel, nextErr = next(cur); nextErr != nil {
			return nextErr
		}
		if err := validateConfig(rel.Config); err != nil {
			return err
		}
		prevDigest, err := newestDigest(rels)
		if err != nil {
			return err
		}
		// The ledger, not next, owns numbering, ownership, time and the chain.
		rel.Version = nextID(rels)
		rel.App = app
		rel.CreatedAt = time.Now().UTC()
		if rec, err = seal(toRecord(rel), prevDigest, s.key); err != nil {
			return err
		}
		return appendRecord(rels, statuses, rec)
	})
	if nextErr != nil {
		return Release{}, nextErr
	}
	if err != nil {
		return Release{}, fmt.Errorf("append release: %w", err)
	}
	return rec.release(StatusPending), nil
}

// appendRecord stores rec and its pending status; either key already existing
// is refused, so a release can never be overwritten.
func appendRecord(rels, statuses *bolt.Bucket, rec record) error {
	key := itob(rec.Version)
	data, err := encode(rec)
	if err != nil {
		return fmt.Errorf("release v%d: %w", rec.Version, err)
	}
	if err := insert(rels, key, data); err != nil {
		return fmt.Errorf("release v%d: %w", rec.Version, err)
	}
	if err := insert(statuses, key, []byte(StatusPending)); err != nil {
		return fmt.Errorf("release v%d status: %w", rec.Version, err)
	}
	return nil
}

// Release returns version of app.
func (s *Store) Release(app string, version int) (Release, error) {
	var rel Release
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		rel, err = getRelease(tx, app, version)
		return err
	})
	if err != nil {
		return Release{}, fmt.Errorf("get release: %w", err)
	}
	return rel, nil
}

// CurrentRelease returns the release app is serving.
func (s *Store) CurrentRelease(app string) (Release, error) {
	var rel Release
	err := s.db.View(func(tx *bolt.Tx) error {
		a, err := getApp(tx, app)
		if err != nil {
			return err
		}
		if a.CurrentVersion == 0 {
			return fmt.Errorf("app %q has no release yet: %w", app, ErrNotFound)
		}
		rel, err = getRelease(tx, app, a.CurrentVersion)
		return err
	})
	if err != nil {
		return Release{}, fmt.Errorf("get current release: %w", err)
	}
	return rel, nil
}

// Releases returns every release of app, newest first.
func (s *Store) Releases(app string) ([]Release, error) {
	out := []Release{}
	err := s.db.View(func(tx *bolt.Tx) error {
		rels, statuses, err := releaseBuckets(tx, app)
		if err != nil {
			return err
		}
		c := rels.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			rel, err := readRelease(app, statuses, v)
			if err != nil {
				return err
			}
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	return out, nil
}

func getRelease(tx *bolt.Tx, app string, version int) (Release, error) {
	rels, statuses, err := releaseBuckets(tx, app)
	if err != nil {
		return Release{}, err
	}
	data := rels.Get(itob(version))
	if data == nil {
		return Release{}, fmt.Errorf("app %q release v%d: %w", app, version, ErrNotFound)
	}
	return readRelease(app, statuses, data)
}

// current returns a's live release, nil if none has gone live yet.
func current(tx *bolt.Tx, a App) (*Release, error) {
	if a.CurrentVersion == 0 {
		return nil, nil
	}
	rel, err := getRelease(tx, a.Name, a.CurrentVersion)
	if err != nil {
		return nil, fmt.Errorf("current release: %w", err)
	}
	return &rel, nil
}

func releaseBuckets(tx *bolt.Tx, app string) (rels, statuses *bolt.Bucket, err error) {
	rels, statuses = sub(tx, bucketReleases, app), sub(tx, bucketStatus, app)
	if rels == nil || statuses == nil {
		return nil, nil, fmt.Errorf("app %q: %w", app, ErrNotFound)
	}
	return rels, statuses, nil
}

// readRelease decodes a stored record of app and joins it with its status.
// The release is given the app's name now: a record sealed before a rename
// keeps the name it had (see App.FormerNames).
func readRelease(app string, statuses *bolt.Bucket, data []byte) (Release, error) {
	var rec record
	if err := decode(data, &rec); err != nil {
		return Release{}, err
	}
	st := statuses.Get(itob(rec.Version))
	if st == nil {
		return Release{}, fmt.Errorf("release v%d has no status record: the ledger is damaged", rec.Version)
	}
	rel := rec.release(Status(st))
	rel.App = app
	return rel, nil
}
