package releases

import (
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Build is an image built from one commit of an app.
type Build struct {
	ID        int               `json:"id"` // per app, 1..N, assigned by AddBuild inside its transaction
	App       string            `json:"app"`
	Commit    string            `json:"commit"`             // 40-hex git sha
	Image     string            `json:"image"`              // image ID, "sha256:..."
	Tag       string            `json:"tag"`                // human tag, e.g. "paas/hello:b3"
	Procfile  map[string]string `json:"procfile,omitempty"` // process type -> command
	CreatedAt time.Time         `json:"created_at"`
}

// AddBuild records b under the next build ID of its app, and sets CreatedAt
// if it is zero. The app must exist.
func (s *Store) AddBuild(b Build) (Build, error) {
	b.Procfile = maps.Clone(b.Procfile)
	if b.CreatedAt.IsZero() {
		b.CreatedAt = time.Now().UTC()
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, b.App); err != nil {
			return err
		}
		builds := sub(tx, bucketBuilds, b.App)
		b.ID = nextID(builds)
		data, err := encode(b)
		if err != nil {
			return err
		}
		return insert(builds, itob(b.ID), data)
	})
	if err != nil {
		return Build{}, fmt.Errorf("add build: %w", err)
	}
	return b, nil
}

// Build returns build id of app.
func (s *Store) Build(app string, id int) (Build, error) {
	var b Build
	err := s.db.View(func(tx *bolt.Tx) error {
		builds := sub(tx, bucketBuilds, app)
		if builds == nil {
			return fmt.Errorf("app %q: %w", app, ErrNotFound)
		}
		data := builds.Get(itob(id))
		if data == nil {
			return fmt.Errorf("app %q build %d: %w", app, id, ErrNotFound)
		}
		return decode(data, &b)
	})
	if err != nil {
		return Build{}, fmt.Errorf("get build: %w", err)
	}
	return b, nil
}

// Builds returns every build of app, oldest first.
func (s *Store) Builds(app string) ([]Build, error) {
	var out []Build
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		builds := sub(tx, bucketBuilds, app)
		if builds == nil {
			return nil
		}
		return builds.ForEach(func(_, data []byte) error {
			var b Build
			if err := decode(data, &b); err != nil {
				return err
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list builds: %w", err)
	}
	return out, nil
}
