package releases

import (
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Add-ons live in one bucket, keyed by the add-on's name, which is unique on
// the machine: a backing service (a Postgres, a Redis) that one app owns and
// any number of apps are attached to through a config var. They are mutable
// state, not part of any release; the URL an attachment sets is a config var
// like any other.

// Addon is one provisioned backing service.
type Addon struct {
	ID      string `json:"id"`
	Name    string `json:"name"`    // "postgres-1a2b3c": the container's network alias too
	Service string `json:"service"` // "postgres", "redis"
	// AppID is the app that owns it: its destroy takes the add-on along.
	AppID string `json:"app_id"`
	// Password is the service's generated credential. The ledger file is
	// readable by paasd's user only (0600), as config vars are.
	Password    string       `json:"password"`
	Attachments []Attachment `json:"attachments"`
	// BackupAt is the time of day, UTC ("02:00"), of its daily backup;
	// "" for none.
	BackupAt  string    `json:"backup_at,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Attachment gives an app the add-on's URL in the config var <Name>_URL.
type Attachment struct {
	AppID string `json:"app_id"`
	Name  string `json:"name"` // "DATABASE": the var is DATABASE_URL
}

// AttachedTo is a's attachment to the app with id appID, if any.
func (a Addon) AttachedTo(appID string) (Attachment, bool) {
	i := slices.IndexFunc(a.Attachments, func(at Attachment) bool { return at.AppID == appID })
	if i < 0 {
		return Attachment{}, false
	}
	return a.Attachments[i], true
}

// AddAddon records a new add-on; its name must be new.
func (s *Store) AddAddon(a Addon) (Addon, error) {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAddons)
		if b.Get([]byte(a.Name)) != nil {
			return fmt.Errorf("add-on %s: %w", a.Name, ErrExists)
		}
		data, err := encode(a)
		if err != nil {
			return err
		}
		return b.Put([]byte(a.Name), data)
	})
	if err != nil {
		return Addon{}, fmt.Errorf("add add-on: %w", err)
	}
	return a, nil
}

// UpdateAddon applies change to the add-on name.
func (s *Store) UpdateAddon(name string, change func(*Addon) error) (Addon, error) {
	var a Addon
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAddons)
		data := b.Get([]byte(name))
		if data == nil {
			return fmt.Errorf("add-on %s: %w", name, ErrNotFound)
		}
		if err := decode(data, &a); err != nil {
			return fmt.Errorf("add-on %s: %w", name, err)
		}
		if err := change(&a); err != nil {
			return err
		}
		data, err := encode(a)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), data)
	})
	if err != nil {
		return Addon{}, fmt.Errorf("update add-on: %w", err)
	}
	return a, nil
}

// RemoveAddon forgets the add-on name, and its backups' records.
func (s *Store) RemoveAddon(name string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAddons)
		if b.Get([]byte(name)) == nil {
			return fmt.Errorf("add-on %s: %w", name, ErrNotFound)
		}
		if tx.Bucket(bucketBackups).Bucket([]byte(name)) != nil {
			if err := tx.Bucket(bucketBackups).DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		return b.Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("remove add-on: %w", err)
	}
	return nil
}

// Addons lists every add-on, oldest first.
func (s *Store) Addons() ([]Addon, error) {
	var out []Addon
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAddons).ForEach(func(k, v []byte) error {
			var a Addon
			if err := decode(v, &a); err != nil {
				return fmt.Errorf("add-on %s: %w", k, err)
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list add-ons: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// Addon is the add-on called name.
func (s *Store) Addon(name string) (Addon, error) {
	var a Addon
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketAddons).Get([]byte(name))
		if data == nil {
			return fmt.Errorf("add-on %s: %w", name, ErrNotFound)
		}
		return decode(data, &a)
	})
	return a, err
}
