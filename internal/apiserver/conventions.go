package apiserver

import (
	"mime"
	"net/http"
	"regexp"
	"strings"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// requestIDPattern is what paasd echoes of a client's Request-Id: enough
// for a UUID or a chain of them, nothing that could break a header or a log
// line.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._,:=-]{1,200}$`)

// conventions applies what every response of the Platform API shares:
// Request-Id echoed (or made), and the API version the client asks for
// checked before anything runs.
func conventions(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = releases.NewID()
		}
		w.Header().Set("Request-Id", id)
		if err := checkAccept(r.Header.Get("Accept")); err != nil {
			writeJSON(w, err.StatusCode, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// checkAccept refuses only a client that asks for Heroku's media type in a
// version paasd does not speak: version 3 and its variants (3.sdk,
// 3.run-inside, ...), the media type without a version, plain JSON,
// anything else, or no Accept at all, are served.
func checkAccept(accept string) *api.Error {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != api.MediaType {
			continue
		}
		v := params["version"]
		if v == "" || v == "3" || strings.HasPrefix(v, "3.") {
			return nil
		}
		return &api.Error{StatusCode: http.StatusNotAcceptable, ID: "not_acceptable",
			Message: "API version " + quoteOrNone(v) + " is not served here: send Accept: " + api.MediaType + "; version=3"}
	}
	return nil
}

func quoteOrNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return `"` + v + `"`
}
