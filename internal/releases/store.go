// Package releases is the ledger: apps, builds and the append-only, numbered
// releases, kept in one bbolt file.
//
// Layout: top-level buckets apps (name -> App JSON); builds, releases,
// status and sourcebuilds, each holding one sub-bucket per app keyed by big-endian uint64 so
// that cursor order is numeric order; formation and settings (app name ->
// JSON), the mutable per-app state that is no part of any release; domains
// (custom domain -> owning app); and meta. docs/architecture.md lists the
// record formats. A release record never changes; its
// status lives apart in the status bucket because it is the one thing that
// does. Each record holds its own digest and its predecessor's, so Verify can
// name the first release whose history was altered or lost. The digests are
// keyed with the ledger key, which lives apart from the data file (see
// LoadKey). The meta bucket holds the ledger's schema version and a check
// value of its key.
package releases

import (
	"crypto/hmac"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	// Build runs, one sub-bucket per app keyed by sequence: see BuildRun.
	// Named for the first it held, of source blobs (schema 3).
	bucketBuildRuns = []byte("sourcebuilds")
	// Add-ons, keyed by name: see Addon. Their backups, one sub-bucket per
	// add-on keyed by sequence: see Backup.
	bucketAddons  = []byte("addons")
	bucketBackups = []byte("backups")
	// The ledger's own facts: metaSchema and metaKeyCheck.
	bucketMeta = []byte("meta")
)

// Keys of the meta bucket.
var (
	// metaSchema is the schema version, in decimal. A ledger without one
	// is schema 1, from before the meta bucket: its digests are unkeyed.
	metaSchema = []byte("schema")
	// metaKeyCheck is keyCheck of the key the ledger is sealed with, so a
	// wrong key is told at Open rather than as a broken chain.
	metaKeyCheck = []byte("key_check")
)

// schemaVersion is the ledger layout this code reads and writes: 2 keys the
// release digests with the ledger key; 3 lets an app be renamed, its
// release records keeping the name they were sealed under (App.FormerNames),
// which a paasd of schema 2 would take for damage; 4 records every build
// run, a push's too, with statuses (building, cancelled) a paasd of schema
// 3 does not know.
const schemaVersion = 4

// perApp are the top-level buckets that hold one sub-bucket per app.
var perApp = [][]byte{bucketBuilds, bucketReleases, bucketStatus, bucketBuildRuns}

// openTimeout bounds the wait for the file lock, so a second daemon on the
// same data directory fails at once instead of hanging.
const openTimeout = 1 * time.Second

// Store is the ledger. It is safe for concurrent use: bbolt serialises
// writers, and every ledger change is one Update.
type Store struct {
	db        *bolt.DB
	key       []byte // the ledger key: release digests are HMACs with it
	migration Migration
}

// Open opens the ledger at path with the key in KeyFile next to it, made if
// absent; see OpenWithKey.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open ledger: create directory: %w", err)
	}
	key, fresh, err := LoadKey(filepath.Join(filepath.Dir(path), KeyFile))
	if err != nil {
		return nil, err
	}
	return OpenWithKey(path, key, fresh)
}

// OpenWithKey opens the ledger at path, creating it (and its directory) if
// absent, with key, the secret its release digests are keyed with. It never
// replaces a file it cannot read: that is left for a human to fix.
//
// A ledger sealed with another key is refused. A ledger from before keys
// (schema 1) is sealed with key, in one transaction, when fresh says the
// key was just made for it (see Migration); else it is refused, since
// sealing it would bless a history rewritten without the key and stripped
// of its meta bucket.
func OpenWithKey(path string, key []byte, fresh bool) (*Store, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("open ledger: the ledger key is %d bytes, want %d: give paasd the key file the ledger was sealed with", len(key), KeySize)
	}
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
	s := &Store{db: db, key: slices.Clone(key)}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range append([][]byte{bucketApps, bucketFormation, bucketSettings, bucketDomains, bucketAddons, bucketBackups, bucketMeta}, perApp...) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		if err := assignAppIDs(tx); err != nil {
			return err
		}
		if err := addPerAppBuckets(tx); err != nil {
			return err
		}
		return s.checkSchema(tx, fresh)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open ledger: data file %s: %w", path, err)
	}
	return s, nil
}

// checkSchema checks the ledger's schema and key, and brings a ledger of
// an older schema to this one.
func (s *Store) checkSchema(tx *bolt.Tx, fresh bool) error {
	meta := tx.Bucket(bucketMeta)
	switch v := string(meta.Get(metaSchema)); v {
	case "":
		return s.sealWithKey(tx, fresh)
	case "2", "3", strconv.Itoa(schemaVersion):
		if !hmac.Equal(meta.Get(metaKeyCheck), []byte(keyCheck(s.key))) {
			return ErrWrongKey
		}
		if v == strconv.Itoa(schemaVersion) {
			return nil
		}
		// Schema 2 to 3 adds a field no schema 2 record has, and 3 to 4
		// fields and statuses no schema 3 record has: only the version
		// changes.
		if err := meta.Put(metaSchema, []byte(strconv.Itoa(schemaVersion))); err != nil {
			return fmt.Errorf("record schema version: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("the ledger has schema version %s, and this paasd knows version %d at most: run the paasd that wrote it, or a newer one", v, schemaVersion)
	}
}

// addPerAppBuckets gives every app the per-app sub-buckets a newer paasd
// added (sourcebuilds, in schema 3), empty.
func addPerAppBuckets(tx *bolt.Tx) error {
	return tx.Bucket(bucketApps).ForEach(func(name, _ []byte) error {
		for _, top := range perApp {
			if _, err := tx.Bucket(top).CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("%s bucket of app %q: %w", top, name, err)
			}
		}
		return nil
	})
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
