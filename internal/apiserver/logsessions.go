package apiserver

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// LogSessionPath is where a log session's URL streams. It takes no token:
// the URL's secret is the credential, as Heroku's logplex URLs are, so the
// daemon lets it through its token check.
const LogSessionPath = "/log-sessions/"

// logSessionTTL is how long a log session's URL works after it is made:
// long enough for a client to open it, short enough that a URL that leaked
// into a log or a history soon opens nothing.
const logSessionTTL = 5 * time.Minute

// maxLogSessionLines is the most lines of history a session sends, as on
// Heroku.
const maxLogSessionLines = 1500

const logSessionExample = `{"lines": 100, "tail": true, "source": "app", "dyno": "web.1"}`

// logSession is what a session's URL streams.
type logSession struct {
	app     string
	q       logsQuery
	expires time.Time
}

// logSessions holds the sessions not yet expired, by secret.
type logSessions struct {
	mu sync.Mutex
	m  map[string]logSession
}

func newLogSessions() *logSessions { return &logSessions{m: map[string]logSession{}} }

// add keeps s and returns its secret; expired sessions go at the same time.
func (ls *logSessions) add(s logSession) string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	secret := hex.EncodeToString(b[:])
	ls.mu.Lock()
	defer ls.mu.Unlock()
	now := time.Now()
	for k, v := range ls.m {
		if now.After(v.expires) {
			delete(ls.m, k)
		}
	}
	ls.m[secret] = s
	return secret
}

func (ls *logSessions) get(secret string) (logSession, bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	s, ok := ls.m[secret]
	if !ok || time.Now().After(s.expires) {
		return logSession{}, false
	}
	return s, true
}

// createSession is Heroku's POST /apps/{app}/log-sessions: the answer's
// logplex_url streams the app's log, plain lines or server-sent events.
func (h *logsHandler) createSession(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, &api.Error{StatusCode: http.StatusMethodNotAllowed, ID: api.IDMethodNotAllowed,
			Message: r.Method + " is not supported on " + r.URL.Path + ": use POST"})
		return
	}
	var req api.LogSessionRequest
	if e := decodeLenient(w, r, &req, logSessionExample); e != nil {
		h.refuse(w, r, e)
		return
	}
	q, e := sessionQuery(req)
	if e != nil {
		h.refuse(w, r, e)
		return
	}
	app := mux.Vars(r)["app"]
	if !h.appExists(w, r, app) {
		return
	}
	created := time.Now().UTC()
	secret := h.sessions.add(logSession{app: app, q: q, expires: created.Add(logSessionTTL)})
	writeJSON(w, http.StatusCreated, api.LogSession{
		ID:         releases.NewID(),
		LogplexURL: baseURL(r) + LogSessionPath + secret,
		CreatedAt:  created, UpdatedAt: created,
	})
}

// sessionQuery turns Heroku's session fields into the logs route's query.
func sessionQuery(req api.LogSessionRequest) (logsQuery, *api.Error) {
	q := logsQuery{n: api.DefaultLogLines}
	if req.Lines != nil {
		if *req.Lines < 0 || *req.Lines > maxLogSessionLines {
			return logsQuery{}, invalidBody(fmt.Sprintf("lines is %d: give 0 to %d", *req.Lines, maxLogSessionLines), logSessionExample)
		}
		q.n = *req.Lines
	}
	if req.Tail != nil {
		q.follow = *req.Tail
	}
	switch req.Source {
	case "", api.LogSourceApp, api.LogSourceRouter, api.LogSourcePaas, api.LogSourceAddon:
		q.filter.Source = req.Source
	case "heroku": // Heroku's name for the platform's own lines
		q.filter.Source = api.LogSourcePaas
	default:
		return logsQuery{}, invalidBody(fmt.Sprintf("source %q: use app, router, paas or addon", req.Source), logSessionExample)
	}
	proc := req.Dyno
	for _, p := range []string{req.DynoName, req.Type} {
		if proc == "" {
			proc = p
		}
	}
	if proc != "" {
		if !logsProcess.MatchString(proc) {
			return logsQuery{}, invalidBody(fmt.Sprintf("dyno %q is not a process type or process: use a name like web or web.2", proc), logSessionExample)
		}
		q.filter.Process = proc
	}
	return q, nil
}

// baseURL is the scheme and host the client reached the API at, so that a
// session's URL works from where the client is.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// serveSession streams what a session asked for; an unknown or expired
// secret is a 404.
func (h *logsHandler) serveSession(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		h.refuse(w, r, &api.Error{StatusCode: http.StatusMethodNotAllowed, ID: api.IDMethodNotAllowed,
			Message: r.Method + " is not supported on a log session: use GET"})
		return
	}
	s, ok := h.sessions.get(mux.Vars(r)["secret"])
	if !ok {
		h.refuse(w, r, &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound,
			Message: fmt.Sprintf("no such log session, or it expired (they last %s): create another with POST /apps/{app}/log-sessions", logSessionTTL)})
		return
	}
	if !h.appExists(w, r, s.app) {
		return
	}
	q := s.q
	q.sse = wantsEventStream(r)
	h.stream(w, r, s.app, q)
}
