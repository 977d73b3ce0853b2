package apiserver

import (
	"net/http"

	"github.com/paas-dev/paas/api"
)

// actorOf is the request's actor, safe to store and to print in a terminal.
func actorOf(r *http.Request) string {
	if a := api.SanitizeActor(r.Header.Get(api.ActorHeader)); a != "" {
		return a
	}
	return api.DefaultActor
}
