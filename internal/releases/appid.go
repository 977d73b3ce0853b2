package releases

import (
	"crypto/rand"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// NewID returns a random id, a version 4 UUID.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return formatUUID(b)
}

// newAppID returns the id of an app being created: a name can be reused
// after apps:destroy, an id never is, so work started for one app can tell
// that the app of the same name it finds later is another.
func newAppID() string { return NewID() }

// assignAppIDs gives an id to every app recorded before apps had one. Only
// the id is added: the rest of the record is written back as read, and no
// release (whose digest does not cover the app record) changes.
func assignAppIDs(tx *bolt.Tx) error {
	apps := tx.Bucket(bucketApps)
	var missing []App
	err := apps.ForEach(func(k, v []byte) error {
		var a App
		if err := decode(v, &a); err != nil {
			// Left as it is for Verify and the reads to report.
			return nil
		}
		if a.ID == "" {
			missing = append(missing, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range missing { // not inside ForEach: bbolt forbids writing while iterating
		a.ID = newAppID()
		if err := putApp(tx, a); err != nil {
			return fmt.Errorf("assign id to app %q: %w", a.Name, err)
		}
	}
	return nil
}
