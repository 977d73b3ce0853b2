// Package dashboard serves paasd's web dashboard at /dashboard/ on the API
// listener: static pages embedded in the binary, whose script drives the
// public REST API like any client, and the sign-in that lets it. Signing in
// with the API token makes a session (a cookie: HttpOnly, SameSite=Strict,
// expiring); the API takes that cookie in place of the token, and every
// change made with it must carry the session's CSRF token in a header.
package dashboard

import (
	"embed"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Path is where the dashboard is served.
const Path = "/dashboard/"

// Cookie and header names.
const (
	CookieName = "paas_session"
	CSRFHeader = "X-CSRF-Token"
	// SessionPath signs in (POST), says whether a session is live and
	// gives its CSRF token (GET), and signs out (DELETE).
	SessionPath = Path + "session"
)

// Defaults: a working day's session; enough sessions for every browser of
// a small team, the oldest dropped past it.
const (
	DefaultTTL         = 12 * time.Hour
	DefaultMaxSessions = 1000
)

//go:embed static
var static embed.FS

// Dashboard serves the pages and the sign-in, and authenticates API
// requests by their session cookie.
type Dashboard struct {
	token    string
	sessions *sessions
	files    http.Handler
	log      *slog.Logger
}

// New serves a dashboard whose sign-in takes token, the API's.
func New(token string, log *slog.Logger) *Dashboard {
	if log == nil {
		log = slog.Default()
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	return &Dashboard{token: token, sessions: newSessions(DefaultTTL, DefaultMaxSessions),
		files: http.FileServerFS(sub), log: log}
}

// ServeHTTP serves everything under Path, and Path without its slash.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	switch {
	case r.URL.Path == strings.TrimSuffix(Path, "/"):
		http.Redirect(w, r, Path, http.StatusMovedPermanently)
	case r.URL.Path == SessionPath:
		d.serveSession(w, r)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "the dashboard's pages are read with GET")
	default:
		name := strings.TrimPrefix(r.URL.Path, Path)
		if name == "" || !strings.Contains(path.Base(name), ".") {
			name = "index.html" // the script routes by the fragment: one page
		}
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("Cache-Control", "no-cache")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + name
		if name == "index.html" {
			r2.URL.Path = "/" // FileServer serves index.html for a directory
		}
		d.files.ServeHTTP(w, r2)
	}
}

// securityHeaders keep the pages to the binary's own script and styles,
// out of frames, and their URLs out of Referer headers.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}

// sessionReply is what SessionPath answers: the token to send in
// CSRFHeader with every change.
type sessionReply struct {
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (d *Dashboard) serveSession(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodPost:
		d.signIn(w, r)
	case http.MethodGet:
		if sess, ok := d.liveSession(w, r); ok {
			writeJSON(w, http.StatusOK, sessionReply{CSRFToken: sess.csrf, ExpiresAt: sess.expires.UTC()})
		}
	case http.MethodDelete:
		c, err := r.Cookie(CookieName)
		if err == nil {
			sess, ok := d.sessions.get(c.Value)
			if ok && !equal(r.Header.Get(CSRFHeader), sess.csrf) {
				writeError(w, http.StatusForbidden, "forbidden", "missing or wrong CSRF token: reload the dashboard")
				return
			}
			d.sessions.remove(c.Value)
		}
		http.SetCookie(w, d.cookie(r, "", -1))
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "sign in with POST, sign out with DELETE")
	}
}

// signIn takes the token from a form or a JSON body.
func (d *Dashboard) signIn(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		writeError(w, http.StatusForbidden, "forbidden", "sign in from the dashboard's own page")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<10))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "read the sign-in: "+err.Error())
		return
	}
	var given string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var req struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", `the sign-in is not JSON: send {"token": "..."}`)
			return
		}
		given = req.Token
	} else {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "the sign-in form does not parse: send token=...")
			return
		}
		given = form.Get("token")
	}
	if strings.TrimSpace(given) == "" || !equal(strings.TrimSpace(given), d.token) {
		d.log.Warn("dashboard sign-in refused: wrong token", "remote", r.RemoteAddr)
		writeError(w, http.StatusUnauthorized, "unauthorized",
			"wrong API token: use the one paasctl uses (PAAS_API_TOKEN, or api-token in paasd's data directory)")
		return
	}
	id, csrf, expires := d.sessions.create()
	http.SetCookie(w, d.cookie(r, id, int(time.Until(expires).Seconds())))
	d.log.Info("dashboard signed in", "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, sessionReply{CSRFToken: csrf, ExpiresAt: expires.UTC()})
}

// cookie is the session's cookie; maxAge < 0 deletes it. Secure only over
// TLS: the API listener is plain HTTP on loopback by default.
func (d *Dashboard) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil}
}

// sameOrigin refuses a request a page of another origin sent: its Origin,
// when the browser sends one, must name this host.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not from a browser's cross-origin request
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// HasSession says whether r carries a session cookie and no credential of
// its own: the API then authenticates it with Authenticate.
func HasSession(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return false
	}
	_, err := r.Cookie(CookieName)
	return err == nil
}

// Authenticate lets through to next the requests of a live session; those
// that change anything (any method but GET, HEAD and OPTIONS) must also
// carry its CSRF token in CSRFHeader and, when they say where they come
// from, come from this host.
func (d *Dashboard) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := d.liveSession(w, r)
		if !ok {
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if !equal(r.Header.Get(CSRFHeader), sess.csrf) || !sameOrigin(r) {
				d.log.Warn("dashboard change refused: missing or wrong CSRF token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
				writeError(w, http.StatusForbidden, "forbidden", "missing or wrong CSRF token: reload the dashboard and try again")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// liveSession is r's session, or, answered with 401, none.
func (d *Dashboard) liveSession(w http.ResponseWriter, r *http.Request) (session, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		writeError(w, http.StatusUnauthorized, "unauthorized", "not signed in: sign in to the dashboard, or send the API token")
		return session{}, false
	}
	sess, ok := d.sessions.get(c.Value)
	if !ok {
		writeError(w, http.StatusUnauthorized, "unauthorized", "the dashboard's session has expired: sign in again")
		return session{}, false
	}
	return sess, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, id, message string) {
	writeJSON(w, status, map[string]string{"id": id, "message": message})
}
