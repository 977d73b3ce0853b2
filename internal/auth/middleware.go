package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// Middleware lets a request through when it carries the token, as a Bearer
// token (API clients) or as the HTTP basic password with any user name (git).
func Middleware(token string) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !authorized(r, want) {
				unauthorized(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func authorized(r *http.Request, want [32]byte) bool {
	var given string
	if _, pass, ok := r.BasicAuth(); ok {
		given = pass
	} else if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		given = strings.TrimSpace(h[7:])
	} else {
		return false
	}
	// Comparing digests keeps the comparison constant-time regardless of length.
	got := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

func unauthorized(w http.ResponseWriter, r *http.Request) {
	// git only sends credentials after a Basic challenge. A browser's
	// script (the dashboard's, once signed out) gets none: it would open
	// the browser's password prompt, and the script would hang behind it.
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode == "" || mode == "navigate" {
		w.Header().Set("WWW-Authenticate", `Basic realm="paas"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"id":"unauthorized","message":"missing or wrong API token: set PAAS_API_TOKEN or run paasctl login"}` + "\n"))
}
