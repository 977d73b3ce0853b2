package router

import (
	"net"
	"net/http"
	"strings"
)

// hstsValue is a year, as browsers' preload lists ask; no subdomains, as
// an app's host says nothing of its siblings'.
const hstsValue = "max-age=31536000"

// acmeChallengePrefix is HTTP-01's path: never redirected, the CA asks over
// plain HTTP.
const acmeChallengePrefix = "/.well-known/acme-challenge/"

// tlsListener is the router's HTTPS side, as redirects need it.
type tlsListener struct {
	port string // "" for 443
	// has says whether the listener has a certificate for host.
	has func(host string) bool
}

// SetTLS tells the router of its HTTPS listener on port, and which hosts
// it has certificates for, so that apps with https-redirect on send their
// plain requests there.
func (r *Router) SetTLS(port string, has func(host string) bool) {
	if port == "443" {
		port = ""
	}
	r.tls.Store(&tlsListener{port: port, has: has})
}

// https applies rt's HTTPS policy to req: it sends a plain request to
// HTTPS (308, which keeps the method and body) and says so, or marks a
// response over HTTPS for HSTS.
func (r *Router) https(w http.ResponseWriter, req *http.Request, rt *route) (redirected bool) {
	if req.TLS != nil {
		if rt.hsts {
			w.Header().Set("Strict-Transport-Security", hstsValue)
		}
		return false
	}
	if !rt.httpsRedirect || strings.HasPrefix(req.URL.Path, acmeChallengePrefix) {
		return false
	}
	l := r.tls.Load()
	host := req.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if l == nil || !l.has(strings.ToLower(host)) {
		return false // no certificate yet: HTTP it stays
	}
	target := "https://" + host
	if l.port != "" {
		target += ":" + l.port
	}
	target += req.URL.RequestURI()
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusPermanentRedirect)
	return true
}
