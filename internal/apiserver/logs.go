package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

// LogStreamer is what the logs route needs; the daemon's log collector
// implements it.
type LogStreamer interface {
	AppExists(ctx context.Context, app string) (bool, error)
	// Tail returns up to n of app's most recent lines that match f and, if
	// follow, a channel of the matching lines from then on, which closes when
	// ctx ends.
	Tail(ctx context.Context, app string, f api.LogFilter, n int, follow bool) ([]api.LogLine, <-chan api.LogLine)
}

// RegisterLogs adds the log stream's routes to r: paas's own GET
// /apps/{app}/logs (plain lines or JSON), and Heroku's log sessions, POST
// /apps/{app}/log-sessions, whose answer is a URL under LogSessionPath that
// streams without the token. It may be called before or after Register.
func RegisterLogs(r *mux.Router, s LogStreamer, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	h := &logsHandler{s: s, log: logger, sessions: newLogSessions()}
	r.Handle("/apps/{app}/logs", h)
	r.Handle("/apps/{app}/log-sessions", http.HandlerFunc(h.createSession))
	r.Handle(LogSessionPath+"{secret}", http.HandlerFunc(h.serveSession))
}

type logsHandler struct {
	s        LogStreamer
	log      *slog.Logger
	sessions *logSessions
}

// logsQuery is a parsed logs request.
type logsQuery struct {
	n      int
	follow bool
	filter api.LogFilter
	json   bool
	sse    bool // text/event-stream, one event per line
}

// logsParams are the query parameters the logs route knows.
var logsParams = []string{"n", "tail", "ps", "source", "format"}

// logsProcess is a process type (as Procfiles name them) or a process of it.
var logsProcess = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,29}(\.[0-9]{1,9})?$`)

func parseLogsQuery(q url.Values) (logsQuery, *api.Error) {
	lq := logsQuery{n: api.DefaultLogLines}
	invalid := func(format string, a ...any) (logsQuery, *api.Error) {
		return logsQuery{}, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDBadRequest, Message: fmt.Sprintf(format, a...)}
	}
	for k := range q {
		if !slices.Contains(logsParams, k) {
			return invalid("unknown parameter %q: the logs route takes n, tail, ps, source and format", k)
		}
	}
	if v := q.Get("n"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return invalid("n=%q is not a number of lines: use 0 or more", v)
		}
		lq.n = n
	}
	if v := q.Get("tail"); v != "" {
		follow, err := strconv.ParseBool(v)
		if err != nil {
			return invalid("tail=%q is not a boolean: use tail=1 to keep streaming new lines", v)
		}
		lq.follow = follow
	}
	switch v := q.Get("source"); v {
	case "", api.LogSourceApp, api.LogSourceRouter, api.LogSourcePaas, api.LogSourceAddon:
		lq.filter.Source = v
	default:
		return invalid("unknown log source %q: use app, router, paas or addon", v)
	}
	if v := q.Get("ps"); v != "" {
		if !logsProcess.MatchString(v) {
			return invalid("ps=%q is not a process type or process: use a name like web or web.2", v)
		}
		lq.filter.Process = v
	}
	switch v := q.Get("format"); v {
	case "", "text":
	case "json":
		lq.json = true
	default:
		return invalid("unknown format %q: use text or json", v)
	}
	return lq, nil
}

// ServeHTTP streams the app's lines, as text or as one JSON object per line,
// flushing as soon as no more lines wait.
func (h *logsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		h.refuse(w, r, &api.Error{StatusCode: http.StatusMethodNotAllowed, ID: api.IDMethodNotAllowed,
			Message: r.Method + " is not supported on " + r.URL.Path + ": use GET"})
		return
	}
	app := mux.Vars(r)["app"]
	q, e := parseLogsQuery(r.URL.Query())
	if e != nil {
		h.refuse(w, r, e)
		return
	}
	if !h.appExists(w, r, app) {
		return
	}
	q.sse = wantsEventStream(r) && !q.json
	h.stream(w, r, app, q)
}

// appExists answers the 404 (or the 500) itself when it says false.
func (h *logsHandler) appExists(w http.ResponseWriter, r *http.Request, app string) bool {
	ok, err := h.s.AppExists(r.Context(), app)
	if err != nil {
		h.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		h.refuse(w, r, errorFor(err))
		return false
	}
	if !ok {
		h.refuse(w, r, &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound,
			Message: fmt.Sprintf("app %q not found", app)})
	}
	return ok
}

// wantsEventStream reports whether the client asked for server-sent events.
func wantsEventStream(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// stream writes app's lines q asks for: the backlog, then, if q.follow, the
// new lines until the client leaves or the stream ends.
func (h *logsHandler) stream(w http.ResponseWriter, r *http.Request, app string, q logsQuery) {
	backlog, lines := h.s.Tail(r.Context(), app, q.filter, q.n, q.follow)
	switch {
	case q.json:
		w.Header().Set("Content-Type", "application/x-ndjson")
	case q.sse:
		w.Header().Set("Content-Type", "text/event-stream")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	rc := http.NewResponseController(w)
	if q.follow {
		// A tail lasts as long as the client wants it.
		_ = rc.SetWriteDeadline(time.Time{})
	}
	w.WriteHeader(http.StatusOK)

	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // log lines are read by people, not put in pages
	write := func(l api.LogLine) error {
		switch {
		case q.json:
			return enc.Encode(l)
		case q.sse:
			// A log line is one line: no newline can end the event early.
			_, err := io.WriteString(w, "data: "+l.String()+"\n\n")
			return err
		}
		_, err := io.WriteString(w, l.String()+"\n")
		return err
	}
	for _, l := range backlog {
		if write(l) != nil {
			return
		}
	}
	if rc.Flush() != nil || lines == nil {
		return
	}
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return
			}
			if write(l) != nil {
				return
			}
			if len(lines) == 0 && rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

func (h *logsHandler) refuse(w http.ResponseWriter, r *http.Request, e *api.Error) {
	h.log.Debug("api request refused", "method", r.Method, "path", r.URL.Path, "status", e.StatusCode, "id", e.ID)
	writeJSON(w, e.StatusCode, e)
}
