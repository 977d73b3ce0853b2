package logplex

import (
	"fmt"
	"slices"
	"time"
)

// ring holds an app's most recent lines, oldest first, bounded by a count and
// by their size.
type ring struct {
	lines    []Line // lines[off:] are held
	off      int
	bytes    int
	maxLines int
	maxBytes int
}

func (r *ring) len() int { return len(r.lines) - r.off }

func (r *ring) push(l Line) {
	r.lines = append(r.lines, l)
	r.bytes += l.size()
	for r.len() > r.maxLines || (r.bytes > r.maxBytes && r.len() > 1) {
		r.bytes -= r.lines[r.off].size()
		r.lines[r.off] = Line{} // let the message be collected
		r.off++
	}
	// Reclaim the dropped front once it is as large as what is held.
	if r.off > 1024 && r.off >= r.len() {
		n := copy(r.lines, r.lines[r.off:])
		clear(r.lines[n:])
		r.lines = r.lines[:n]
		r.off = 0
	}
}

func (r *ring) all() []Line { return r.lines[r.off:] }

// last returns up to n of the most recent lines that match f, oldest first.
func (r *ring) last(n int, f Filter) []Line {
	var out []Line
	held := r.all()
	for i := len(held) - 1; i >= 0 && len(out) < n; i-- {
		if f.Match(held[i]) {
			out = append(out, held[i])
		}
	}
	slices.Reverse(out)
	return out
}

func (r *ring) reset() {
	r.lines, r.off, r.bytes = nil, 0, 0
}

// subscriber is one following tail. The app's lock guards every field, and
// sends happen only under it, so closing the channel under it is safe.
type subscriber struct {
	app    string
	ch     chan Line
	filter Filter
	obs    *observerRef

	dropped      int       // lines lost since the last delivered one
	droppedSince time.Time // time of the first of them
	closed       bool
	stop         func() bool // stops the context watch
}

// deliver hands l to the subscriber without ever waiting. When the channel is
// full the line is counted as dropped; the next line that fits is preceded by
// a line that says how many were lost, so both need room.
func (s *subscriber) deliver(l Line) {
	if s.closed || !s.filter.Match(l) {
		return
	}
	if s.dropped > 0 {
		if cap(s.ch)-len(s.ch) < 2 {
			s.dropped++
			s.countDropped()
			return
		}
		s.ch <- overflowLine(s.app, s.dropped, s.droppedSince)
		s.dropped = 0
	}
	select {
	case s.ch <- l:
	default:
		s.dropped = 1
		s.droppedSince = l.Time
		s.countDropped()
	}
}

func (s *subscriber) countDropped() {
	if o := s.obs.get(); o != nil {
		o.LinesDropped(s.app, DropTail, 1)
	}
}

func (s *subscriber) close() {
	if s.closed {
		return
	}
	s.closed = true
	close(s.ch)
	if s.stop != nil {
		s.stop()
	}
}

// overflowLine is Heroku's L10 error, in the reader's own stream.
func overflowLine(app string, dropped int, since time.Time) Line {
	return Line{
		Time:    time.Now().UTC(),
		App:     app,
		Source:  SourcePaas,
		Process: "logplex",
		Message: fmt.Sprintf("Error L10 (output buffer overflow): %d messages dropped since %s", dropped, since.UTC().Format(timeFormat)),
	}
}
