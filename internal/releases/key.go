package releases

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// KeySize is the ledger key's length in bytes.
const KeySize = 32

// KeyFile is the key file's name next to the data file when no other is
// given.
const KeyFile = "ledger.key"

// ErrWrongKey: the ledger was sealed with another key.
var ErrWrongKey = errors.New("the ledger is sealed with another key than the one given: start paasd with the key file it was sealed with (PAAS_LEDGER_KEY_FILE, default ledger.key in the data dir); a new key cannot verify the releases sealed with the old one")

// LoadKey reads the ledger key from path, 64 hex digits, or makes one there
// (mode 0600) when there is no file; fresh says it was made. The key is kept
// apart from the data file: whoever can rewrite the ledger but not read the
// key cannot re-seal what they rewrote.
func LoadKey(path string) (key []byte, fresh bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key, err := hex.DecodeString(string(bytes.TrimSpace(b)))
		if err != nil || len(key) != KeySize {
			return nil, false, fmt.Errorf("read ledger key: %s does not hold %d hex digits: restore it from a backup (a new key cannot verify the releases sealed with the old one)", path, 2*KeySize)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("read ledger key: %w", err)
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("make ledger key: %w", err)
	}
	// O_EXCL: two paasd starting at once never make two keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("write ledger key: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("write ledger key: %w", err)
	}
	return key, true, nil
}

// keyCheck is what the meta bucket keeps to recognise key: an HMAC of a
// fixed text, which tells nothing about the key.
func keyCheck(key []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("paas ledger key check v1"))
	return hex.EncodeToString(h.Sum(nil))
}

// Migration is what opening a ledger from before keys did.
type Migration struct {
	// Resealed is how many releases now have digests keyed with the key.
	Resealed int
	// Broken are the apps whose unkeyed chain did not verify: their
	// releases from FirstBad on are left as they were, so they still do
	// not verify.
	Broken []Verification
}

// Migration says what Open did to a ledger from before keys; zero when it
// was keyed already.
func (s *Store) Migration() Migration { return s.migration }

// sealWithKey brings a ledger of schema 1 (unkeyed digests) to schema 2:
// each app's chain is verified with the unkeyed scheme and its intact
// releases are sealed again with the key. Where a chain breaks, the rest is
// left as it was, so the break stays visible. A ledger with releases is only
// sealed with a key made for it (fresh).
func (s *Store) sealWithKey(tx *bolt.Tx, fresh bool) error {
	var m Migration
	err := tx.Bucket(bucketApps).ForEach(func(k, data []byte) error {
		// Damage is left for Verify to report; paasd must still start.
		var a App
		if err := decode(data, &a); err != nil {
			m.Broken = append(m.Broken, Verification{App: string(k), Problem: "the app record cannot be decoded"})
			return nil
		}
		rels, _, err := releaseBuckets(tx, a.Name)
		if err != nil {
			m.Broken = append(m.Broken, Verification{App: a.Name, Problem: "the app has no releases bucket"})
			return nil
		}
		if first, _ := rels.Cursor().First(); first != nil && !fresh {
			return errors.New("the ledger has releases with unkeyed digests (schema 1), but the ledger key existed already: if this ledger is from before ledger keys, move the key file aside and start again, and paasd seals it with a new key; if not, it was rewritten and stripped of its key check: restore it from a backup")
		}
		type intact struct {
			k   []byte
			rec record
		}
		var keep []intact
		v, err := walkChain(tx, a, nil, func(k []byte, rec record) error {
			keep = append(keep, intact{k, rec})
			return nil
		})
		if err != nil {
			return err
		}
		if v.FirstBad != 0 {
			m.Broken = append(m.Broken, v)
		}
		// Written after the walk: a bucket must not change under a cursor.
		prev := ""
		for _, r := range keep {
			sealed, err := seal(r.rec, prev, s.key)
			if err != nil {
				return err
			}
			data, err := encode(sealed)
			if err != nil {
				return err
			}
			if err := rels.Put(r.k, data); err != nil {
				return fmt.Errorf("seal %s v%d: %w", a.Name, r.rec.Version, err)
			}
			prev = sealed.Digest
		}
		m.Resealed += len(keep)
		return nil
	})
	if err != nil {
		return fmt.Errorf("seal the ledger with its key: %w", err)
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(metaSchema, []byte(strconv.Itoa(schemaVersion))); err != nil {
		return fmt.Errorf("seal the ledger with its key: %w", err)
	}
	if err := meta.Put(metaKeyCheck, []byte(keyCheck(s.key))); err != nil {
		return fmt.Errorf("seal the ledger with its key: %w", err)
	}
	s.migration = m
	return nil
}
