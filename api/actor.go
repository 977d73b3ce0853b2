package api

import (
	"strings"
)

// ActorHeader carries who asked for a change, e.g. "ada@laptop via paasctl".
// The ledger records it as a release's created_by. It is a label the caller
// chooses, not an identity: the API token is what authenticates.
const ActorHeader = "X-Paas-Actor"

// DefaultActor is the actor of a request that names none.
const DefaultActor = "api"

// maxActorLength bounds an actor as the ledger stores it.
const maxActorLength = 100

// SanitizeActor keeps the printable ASCII of s, trimmed, at most
// maxActorLength long: nothing that could move a cursor or fake a line.
func SanitizeActor(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxActorLength {
		s = strings.TrimSpace(s[:maxActorLength])
	}
	return s
}
