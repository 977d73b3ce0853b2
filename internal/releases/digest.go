package releases

import (
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

// digestScheme is hashed first, so that a future change of the encoding is a
// new, recognisable scheme rather than a silent mismatch with stored digests.
const digestScheme = "paas release digest v1"

// ComputeDigest returns the hex SHA-256 of r's immutable content: version,
// app, build ID, commit, image, config, processes, description, creator,
// creation time (to the nanosecond, in UTC) and the previous release's
// digest. Status and Digest itself are not covered.
//
// Every field is written in a fixed order and is self-delimiting (fixed-size
// integers, length-prefixed strings, counted and sorted maps), so two
// different releases never encode alike, whatever bytes their strings hold.
// A nil map and an empty one are the same content.
func (r Release) ComputeDigest() string {
	h := sha256.New()
	e := digestWriter{h: h}
	e.string(digestScheme)
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

// seal links rec to prevDigest and sets its digest. The digest is computed
// over rec as it will read back from its JSON, not as given: encoding/json
// replaces invalid UTF-8, and Verify must recompute exactly what was hashed.
func seal(rec record, prevDigest string) (record, error) {
	rec.PrevDigest, rec.Digest = prevDigest, ""
	data, err := encode(rec)
	if err != nil {
		return record{}, fmt.Errorf("release v%d: %w", rec.Version, err)
	}
	var stored record
	if err := decode(data, &stored); err != nil {
		return record{}, fmt.Errorf("release v%d: %w", rec.Version, err)
	}
	stored.Digest = stored.release("").ComputeDigest()
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
