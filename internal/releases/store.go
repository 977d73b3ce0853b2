// Package releases is the ledger: apps, builds and the append-only, numbered
// releases, kept in one bbolt file.
//
// Layout: top-level buckets apps (name -> App JSON), and builds, releases and
// status, each holding one sub-bucket per app keyed by big-endian uint64 so
// that cursor order is numeric order. A release record never changes; its
// status lives apart in the status bucket because it is the one thing that
// does. Each record holds its own digest and its predecessor's, so Verify can
// name the first release whose history was altered or lost.
package releases

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	bucketApps     = []byte("apps")
	bucketBuilds   = []byte("builds")
	bucketReleases = []byte("releases")
	bucketStatus   = []byte("status")
	// Mutable per-app state, keyed by app name: not part of any release.
	bucketFormation = []byte("formation")
	bucketSettings  = []byte("settings")
	// Custom domains, keyed by domain with the owning app as the value, so
	// that a domain belongs to one app at most.
	bucketDomains = []byte("domains")
)

// perApp are the top-level buckets that hold one sub-bucket per app.
var perApp = [][]byte{bucketBuilds, bucketReleases, bucketStatus}

// openTimeout bounds the wait for the file lock, so a second daemon on the
// same data directory fails at once instead of hanging.
const openTimeout = 1 * time.Second

// Store is the ledger. It is safe for concurrent use: bbolt serialises
// writers, and every ledger change is one Update.
type Store struct {
	db *bolt.DB
}

// Open opens the ledger at path, creating it (and its directory) if absent.
// It never replaces a file it cannot read: that is left for a human to fix.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open ledger: create directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: openTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("data file %s is in use by another paasd: stop it, or give this one another PAAS_DATA_DIR: %w", path, err)
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("open ledger: %w: run paasd as the owner of its data directory", err)
	}
	if err != nil {
		return nil, fmt.Errorf("open ledger: data file %s cannot be read (%w): it is not a paas ledger or it is damaged; restore it from a backup or move it aside to start empty", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range append([][]byte{bucketApps, bucketFormation, bucketSettings, bucketDomains}, perApp...) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("bucket %s: %w", name, err)
			}
		}
		return assignAppIDs(tx)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger: data file %s: create buckets and app ids: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close releases the file and its lock.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close ledger: %w", err)
	}
	return nil
}

// itob encodes a sequence number as a key; big-endian keeps cursor order numeric.
func itob(n int) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(n))
	return b
}

func btoi(b []byte) int { return int(binary.BigEndian.Uint64(b)) }

// nextID is one more than the bucket's last key: 1 for an empty bucket.
func nextID(b *bolt.Bucket) int {
	k, _ := b.Cursor().Last()
	if k == nil {
		return 1
	}
	return btoi(k) + 1
}

// insert stores data under a key that must not exist yet. Builds and releases
// are written only through it, which is what makes them append-only.
func insert(b *bolt.Bucket, key, data []byte) error {
	if b.Get(key) != nil {
		return fmt.Errorf("key %x: %w (records are append-only)", key, ErrExists)
	}
	return b.Put(key, data)
}

func encode(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return data, nil
}

func decode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// sub returns app's sub-bucket of the top-level bucket top, nil if absent.
func sub(tx *bolt.Tx, top []byte, app string) *bolt.Bucket {
	return tx.Bucket(top).Bucket([]byte(app))
}
