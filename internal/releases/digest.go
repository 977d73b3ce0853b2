package releases

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The digest scheme is hashed first, so that a change of the encoding is a
// new, recognisable scheme rather than a silent mismatch with stored digests.
const (
	// digestScheme is the plain SHA-256 of ledgers before schema 2: anyone
	// able to write the data file could re-seal a rewritten history.
	digestScheme = "paas release digest v1"
	// keyedDigestScheme is HMAC-SHA256 with the ledger key, which is kept
	// apart from the data file.
	keyedDigestScheme = "paas release digest v2"
)

// digest returns the hex HMAC-SHA256, keyed with key, of r's immutable
// content: version, app, build ID, commit, image, config, processes,
// description, creator, creation time (to the nanosecond, in UTC) and the
// previous release's digest. Status and Digest itself are not covered. A nil
// key gives the unkeyed SHA-256 of the first scheme, which only the
// migration of an old ledger uses.
//
// Every field is written in a fixed order and is self-delimiting (fixed-size
// integers, length-prefixed strings, counted and sorted maps), so two
// different releases never encode alike, whatever bytes their strings hold.
// A nil map and an empty one are the same content.
func (r Release) digest(key []byte) string {
	h, scheme := sha256.New(), digestScheme
	if key != nil {
		h, scheme = hmac.New(sha256.New, key), keyedDigestScheme
	}
	e := digestWriter{h: h}
	e.string(scheme)
	e.int(r.Version)
	e.string(r.App)
	e.int(r.BuildID)
	e.string(r.Commit)
	e.string(r.Image)
	e.stringMap(r.Config)
	e.stringMap(r.Processes)
	e.string(r.Description)
	e.string(r.CreatedBy)
	e.string(r.CreatedAt.UTC().Format(time.RFC3339Nano))
	e.string(r.PrevDigest)
	return hex.EncodeToString(h.Sum(nil))
}

// digestWriter writes the canonical encoding; a hash.Hash never fails a Write.
type digestWriter struct{ h hash.Hash }

func (e digestWriter) int(n int) {
	e.h.Write(binary.BigEndian.AppendUint64(nil, uint64(n)))
}

func (e digestWriter) string(s string) {
	e.int(len(s))
	e.h.Write([]byte(s))
}

func (e digestWriter) stringMap(m map[string]string) {
	e.int(len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		e.string(k)
		e.string(m[k])
	}
}

// seal links rec to prevDigest and sets its digest, keyed with key. The
// digest is computed over rec as it will read back from its JSON, not as
// given: encoding/json replaces invalid UTF-8, and Verify must recompute
// exactly what was hashed.
func seal(rec record, prevDigest string, key []byte) (record, error) {
	rec.PrevDigest, rec.Digest = prevDigest, ""
	data, err := encode(rec)
	if err != nil {
		return record{}, fmt.Errorf("release v%d: %w", rec.Version, err)
	}
	var stored record
	if err := decode(data, &stored); err != nil {
		return record{}, fmt.Errorf("release v%d: %w", rec.Version, err)
	}
	stored.Digest = stored.release("").digest(key)
	return stored, nil
}

// newestDigest is the digest of the last release in rels, "" if there is none.
func newestDigest(rels *bolt.Bucket) (string, error) {
	k, data := rels.Cursor().Last()
	if k == nil {
		return "", nil
	}
	var rec record
	if err := decode(data, &rec); err != nil {
		// Chaining onto a record nobody can read would hide the damage.
		return "", fmt.Errorf("newest release (key %x): %w: the ledger is damaged; run paasctl releases:verify", k, err)
	}
	return rec.Digest, nil
}
