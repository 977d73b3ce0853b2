package releases

import (
	"crypto/sha1" //nolint:gosec // RFC 4122 name-based ids (version 5) are SHA-1 by definition; no secret depends on them
	"encoding/hex"
	"strings"
)

// Everything an app owns has a UUID as Heroku's Platform API gives one:
// releases, builds, formation entries, domains. Each is the RFC 4122 name-
// based id (version 5) of what names it within the app ("release/7",
// "formation/web") in the app's own id as namespace. So an id is stable
// for as long as the app is, needs no record of its own, and every release
// a ledger already held has one at once, with nothing rewritten; and a new
// app under an old name has new ids throughout, as its app id is new.

// Kinds of the things an app owns, as the names in their ids.
const (
	KindRelease   = "release"
	KindBuild     = "build"
	KindFormation = "formation"
	KindDomain    = "domain"
	KindDyno      = "dyno"
)

// ChildID is the id of the thing of kind named name (a version, a process
// type, a host name) in the app whose id is appID.
func ChildID(appID, kind, name string) string {
	ns, ok := parseUUID(appID)
	if !ok {
		// An app id is always a UUID; hash the text anyway, so a bad one
		// still gives stable, distinct ids rather than none.
		sum := sha1.Sum([]byte(appID))
		copy(ns[:], sum[:16])
	}
	return uuid5(ns, kind+"/"+name)
}

// uuid5 is RFC 4122's name-based UUID, version 5, of name in namespace ns.
func uuid5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return formatUUID(u)
}

// IsUUID reports whether s is written as a UUID, which is how an API path
// tells an id from a name or a version.
func IsUUID(s string) bool {
	_, ok := parseUUID(s)
	return ok
}

func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		return u, false
	}
	copy(u[:], b)
	return u, true
}

func formatUUID(u [16]byte) string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
