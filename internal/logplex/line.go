package logplex

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Sources of lines, as the stream shows them: app[web.1], router, paas[build].
const (
	SourceApp    = "app"
	SourceRouter = "router"
	SourcePaas   = "paas"
	SourceAddon  = "addon" // addon[postgres-1a2b3c]: an attached add-on's service
)

// MaxLineBytes is the longest message one Line carries; a longer line is
// split into several Lines, none of it lost.
const MaxLineBytes = 64 << 10

// timeFormat is Heroku's: microseconds, always UTC, written as Z.
const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

// Line is one line of an app's log stream.
type Line struct {
	Time    time.Time `json:"time"`    // taken at collection, UTC
	App     string    `json:"app"`     //
	Source  string    `json:"source"`  // SourceApp, SourceRouter, SourcePaas or SourceAddon
	Process string    `json:"process"` // web.1, run.1 for app; build, release, runner, api for paas; "" for router
	Message string    `json:"message"` // one line, without its newline
}

// String formats the line as paasctl logs prints it:
// "2026-11-26T09:00:00.123456Z app[web.1]: listening on 5000".
func (l Line) String() string {
	b := make([]byte, 0, len(timeFormat)+len(l.Source)+len(l.Process)+len(l.Message)+5)
	b = l.Time.UTC().AppendFormat(b, timeFormat)
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

// size is roughly what the line costs in memory, for the buffer's byte bound.
func (l Line) size() int { return len(l.Message) + len(l.Process) + len(l.Source) + 64 }

// Filter selects lines by source and process. Empty fields match everything.
type Filter struct {
	Source  string // "app", "router", "paas" or "addon"
	Process string // "web" matches web.1, web.2, ...; "web.2" only web.2
}

// Match reports whether l passes the filter.
func (f Filter) Match(l Line) bool {
	if f.Source != "" && l.Source != f.Source {
		return false
	}
	if f.Process == "" || l.Process == f.Process {
		return true
	}
	return strings.HasPrefix(l.Process, f.Process) && len(l.Process) > len(f.Process) && l.Process[len(f.Process)] == '.'
}

// splitMessage turns text into the messages of Lines: one per line (a
// trailing newline ends the last line rather than starting an empty one), each
// valid UTF-8 and at most MaxLineBytes long.
func splitMessage(text string) []string {
	text = strings.TrimSuffix(text, "\n")
	if !strings.Contains(text, "\n") && len(text) <= MaxLineBytes && utf8.ValidString(text) {
		return []string{strings.TrimSuffix(text, "\r")} // the common case, without allocating
	}
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.ToValidUTF8(strings.TrimSuffix(line, "\r"), "\uFFFD")
		for len(line) > MaxLineBytes {
			cut := MaxLineBytes
			// Cut between runes, so both parts stay valid UTF-8.
			for cut > MaxLineBytes-utf8.UTFMax && !utf8.RuneStart(line[cut]) {
				cut--
			}
			out = append(out, line[:cut])
			line = line[cut:]
		}
		out = append(out, line)
	}
	return out
}
