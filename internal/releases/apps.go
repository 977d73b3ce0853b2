package releases

import (
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// App is a named application and the release it is serving.
type App struct {
	// ID is given at creation and never reused: a name is, after
	// apps:destroy. Work started for an app checks it when it finishes.
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	CreatedAt      time.Time `json:"created_at"`
	CurrentVersion int       `json:"current_version"` // version of the release now live; 0 = none yet
	// FormerNames are the app's earlier names, oldest first. A release
	// record keeps the name it was sealed under, so Verify checks each
	// record against the name the app had then.
	FormerNames []FormerName `json:"former_names,omitempty"`
}

// FormerName is a name an app had until RenameApp: its releases up to UpTo
// (and after the name before it) were sealed under Name.
type FormerName struct {
	Name string `json:"name"`
	UpTo int    `json:"up_to"`
}

// nameAt is the name a's release version was sealed under.
func (a App) nameAt(version int) string {
	for _, f := range a.FormerNames {
		if version <= f.UpTo {
			return f.Name
		}
	}
	return a.Name
}

// CreateApp registers name, with its empty build, release and status logs.
func (s *Store) CreateApp(name string) (App, error) {
	if err := validateNewAppName(name); err != nil {
		return App{}, fmt.Errorf("create app: %w", err)
	}
	app := App{ID: newAppID(), Name: name, CreatedAt: time.Now().UTC()}
	err := s.db.Update(func(tx *bolt.Tx) error {
		apps := tx.Bucket(bucketApps)
		if apps.Get([]byte(name)) != nil {
			return fmt.Errorf("app %q: %w", name, ErrExists)
		}
		for _, top := range perApp {
			// DestroyApp removes these atomically, so one left over is damage
			// to report, not data to reuse: CreateBucket fails on it.
			if _, err := tx.Bucket(top).CreateBucket([]byte(name)); err != nil {
				return fmt.Errorf("%s bucket: %w", top, err)
			}
		}
		return putApp(tx, app)
	})
	if err != nil {
		return App{}, fmt.Errorf("create app: %w", err)
	}
	return app, nil
}

// validateNewAppName is ValidateAppName and the rules for names given from
// now on.
func validateNewAppName(name string) error {
	if err := ValidateAppName(name); err != nil {
		return err
	}
	if strings.HasSuffix(name, "-") {
		// Checked here, not in ValidateAppName, so that an app created
		// before this rule can still be reached and destroyed.
		return fmt.Errorf("%w app name %q: end it with a letter or digit; it becomes the host name %s.<domain>, and a DNS label cannot end with a dash",
			ErrInvalid, name, name)
	}
	return nil
}

// App returns the app called name.
func (s *Store) App(name string) (App, error) {
	var app App
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		app, err = getApp(tx, name)
		return err
	})
	if err != nil {
		return App{}, fmt.Errorf("get app: %w", err)
	}
	return app, nil
}

// AppByID returns the app whose id is id. Apps are few; a scan is cheaper
// than an index to keep in step.
func (s *Store) AppByID(id string) (App, error) {
	apps, err := s.Apps()
	if err != nil {
		return App{}, err
	}
	for _, a := range apps {
		if a.ID == id {
			return a, nil
		}
	}
	return App{}, fmt.Errorf("get app: no app has id %s: %w", id, ErrNotFound)
}

// Apps returns every app, sorted by name (bbolt's key order).
func (s *Store) Apps() ([]App, error) {
	apps := []App{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketApps).ForEach(func(k, v []byte) error {
			var a App
			if err := decode(v, &a); err != nil {
				return fmt.Errorf("app %q: %w", k, err)
			}
			apps = append(apps, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	return apps, nil
}

// DestroyApp removes the app with all its builds, releases, statuses,
// formation, settings and domains in one transaction, so no half-destroyed
// app is ever visible.
func (s *Store) DestroyApp(name string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		apps := tx.Bucket(bucketApps)
		if apps.Get([]byte(name)) == nil {
			return fmt.Errorf("app %q: %w", name, ErrNotFound)
		}
		for _, top := range perApp {
			if err := deleteSub(tx, top, name); err != nil {
				return err
			}
		}
		for _, top := range [][]byte{bucketFormation, bucketSettings} {
			if err := tx.Bucket(top).Delete([]byte(name)); err != nil {
				return err
			}
		}
		if err := deleteDomains(tx, name); err != nil {
			return err
		}
		return apps.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("destroy app: %w", err)
	}
	return nil
}

func getApp(tx *bolt.Tx, name string) (App, error) {
	data := tx.Bucket(bucketApps).Get([]byte(name))
	if data == nil {
		return App{}, fmt.Errorf("app %q: %w", name, ErrNotFound)
	}
	var app App
	if err := decode(data, &app); err != nil {
		return App{}, fmt.Errorf("app %q: %w", name, err)
	}
	return app, nil
}

// putApp writes the app's mutable record (its CurrentVersion changes).
func putApp(tx *bolt.Tx, app App) error {
	data, err := encode(app)
	if err != nil {
		return fmt.Errorf("app %q: %w", app.Name, err)
	}
	return tx.Bucket(bucketApps).Put([]byte(app.Name), data)
}

func deleteSub(tx *bolt.Tx, top []byte, app string) error {
	b := tx.Bucket(top)
	if b.Bucket([]byte(app)) == nil {
		return nil
	}
	if err := b.DeleteBucket([]byte(app)); err != nil {
		return fmt.Errorf("%s bucket: %w", top, err)
	}
	return nil
}
