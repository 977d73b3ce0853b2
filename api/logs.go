package api

import (
	"time"
)

// DefaultLogLines is how many recent lines the logs route returns when the
// request does not say.
const DefaultLogLines = 100

// Log sources, as LogLine.Source and the source filter name them.
const (
	LogSourceApp    = "app"
	LogSourceRouter = "router"
	LogSourcePaas   = "paas"
	LogSourceAddon  = "addon"
)

// logTimeFormat is Heroku's: microseconds, always UTC, written as Z.
const logTimeFormat = "2006-01-02T15:04:05.000000Z07:00"

// LogLine is one line of an app's log stream.
type LogLine struct {
	Time    time.Time `json:"time"`
	App     string    `json:"app"`
	Source  string    `json:"source"`  // app, router, paas or addon
	Process string    `json:"process"` // web.1, run.1 for app; build, release, runner, api for paas; "" for router
	Message string    `json:"message"`
}

// String formats the line as paasctl logs prints it:
// "2026-11-26T09:00:00.123456Z app[web.1]: listening on 5000".
func (l LogLine) String() string {
	b := make([]byte, 0, len(logTimeFormat)+len(l.Source)+len(l.Process)+len(l.Message)+5)
	b = l.Time.UTC().AppendFormat(b, logTimeFormat)
	b = append(b, ' ')
	b = append(b, l.Source...)
	if l.Process != "" {
		b = append(b, '[')
		b = append(b, l.Process...)
		b = append(b, ']')
	}
	b = append(b, ": "...)
	b = append(b, l.Message...)
	return string(b)
}

// LogFilter selects lines; empty fields match everything.
type LogFilter struct {
	Source  string // app, router, paas or addon
	Process string // "web" matches web.1, web.2, ...; "web.2" only web.2
}

// LogSessionRequest is the body of POST /apps/{app}/log-sessions, Heroku's:
// how many lines of history (default 100, at most 1500), whether to keep
// streaming, and which lines (source app, router, paas or addon; a process type
// or process as dyno, dyno_name or type).
type LogSessionRequest struct {
	Lines    *int   `json:"lines,omitempty"`
	Tail     *bool  `json:"tail,omitempty"`
	Dyno     string `json:"dyno,omitempty"`
	DynoName string `json:"dyno_name,omitempty"`
	Type     string `json:"type,omitempty"`
	Source   string `json:"source,omitempty"`
}

// LogSession is the answer: LogplexURL streams the lines, plain text or
// server-sent events (Accept: text/event-stream), without the token, for a
// few minutes; with tail false it ends after the history.
type LogSession struct {
	ID         string    `json:"id"`
	LogplexURL string    `json:"logplex_url"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}
