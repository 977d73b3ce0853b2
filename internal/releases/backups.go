package releases

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup is one captured dump of a Postgres add-on; its file is beside the
// ledger, not in it. Only a dump that completed is recorded: a failed one
// never counts as a backup.
type Backup struct {
	Num       int           `json:"num"` // b1, b2, ... per add-on
	Size      int64         `json:"size"`
	Duration  time.Duration `json:"duration"`
	Scheduled bool          `json:"scheduled,omitempty"` // taken by the schedule, not asked for
	// Due is the daily time a scheduled backup was taken for.
	Due       time.Time `json:"due,omitzero"`
	CreatedAt time.Time `json:"created_at"`
}

// ID is how users name it: b3.
func (b Backup) ID() string { return fmt.Sprintf("b%d", b.Num) }

// AddBackup records b as the add-on's newest backup, numbering it.
func (s *Store) AddBackup(addon string, b Backup) (Backup, error) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAddons).Get([]byte(addon)) == nil {
			return fmt.Errorf("add-on %s: %w", addon, ErrNotFound)
		}
		bs, err := tx.Bucket(bucketBackups).CreateBucketIfNotExists([]byte(addon))
		if err != nil {
			return err
		}
		b.Num = nextID(bs)
		data, err := encode(b)
		if err != nil {
			return err
		}
		return insert(bs, itob(b.Num), data)
	})
	if err != nil {
		return Backup{}, fmt.Errorf("record backup: %w", err)
	}
	return b, nil
}

// Backups lists the add-on's backups, oldest first.
func (s *Store) Backups(addon string) ([]Backup, error) {
	var out []Backup
	err := s.db.View(func(tx *bolt.Tx) error {
		bs := tx.Bucket(bucketBackups).Bucket([]byte(addon))
		if bs == nil {
			return nil
		}
		return bs.ForEach(func(k, v []byte) error {
			var b Backup
			if err := decode(v, &b); err != nil {
				return fmt.Errorf("backup %d: %w", btoi(k), err)
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	return out, nil
}

// RemoveBackup forgets the add-on's backup num.
func (s *Store) RemoveBackup(addon string, num int) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		bs := tx.Bucket(bucketBackups).Bucket([]byte(addon))
		if bs == nil || bs.Get(itob(num)) == nil {
			return fmt.Errorf("backup b%d of %s: %w", num, addon, ErrNotFound)
		}
		return bs.Delete(itob(num))
	})
	if err != nil {
		return fmt.Errorf("remove backup: %w", err)
	}
	return nil
}
