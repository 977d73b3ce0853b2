package logplex

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// appLog is one app's stream: its recent lines, its following tails, its
// spool, and how far each of its containers has been read.
type appLog struct {
	name string
	log  *slog.Logger
	obs  *observerRef

	mu      sync.Mutex // protects all of the following
	lines   ring
	subs    map[*subscriber]struct{}
	spool   *spool // nil without a spool directory
	cursors map[string]*cursor
	removed bool // forgotten: a writer must look the app up again
	closed  bool // the Logplex closed: lines are dropped
}

// cursor is how far a container's output is in the stream: every frame
// Docker stamped at or before upto, and none after it.
type cursor struct {
	upto time.Time
	done bool // its output ended: the container stopped
}

// emission says where collected lines come from, so the container's cursor
// moves with them.
type emission struct {
	ctx       context.Context // the collector's: once it ends, its lines are not wanted
	container string
	uptos     []time.Time // the container's cursor after each of the lines
}

// append adds lines to the stream and hands them to the tails. It returns
// false, doing nothing, if the app was forgotten meanwhile.
func (a *appLog) append(lines []Line, from *emission) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || (from != nil && from.ctx.Err() != nil) {
		return true // stopped (Forget, Close): a later follow reads them again
	}
	if a.removed {
		return false
	}
	// Stamped under the lock, lines without a time of their own are in
	// time order.
	var now time.Time
	for i := range lines {
		if lines[i].Time.IsZero() {
			if now.IsZero() {
				now = time.Now().UTC()
			}
			lines[i].Time = now
		}
	}
	if a.spool != nil {
		a.spool.appendLines(a.log, lines, from)
	}
	if from != nil {
		a.cursors[from.container] = &cursor{upto: from.uptos[len(from.uptos)-1]}
	}
	a.obs.countCollected(a.name, lines)
	for i := range lines {
		lines[i].App = a.name
		a.lines.push(lines[i])
		for s := range a.subs {
			s.deliver(lines[i])
		}
	}
	if a.spool != nil && a.spool.needsCompaction() {
		a.spool.compact(a.log, a.lines.all(), a.cursors)
	}
	return true
}

// tail reads the backlog and, if follow, subscribes under one lock. ok is
// false if the app was forgotten meanwhile.
func (a *appLog) tail(ctx context.Context, f Filter, n int, follow bool, buffer int) (backlog []Line, ch <-chan Line, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.removed {
		return nil, nil, false
	}
	backlog = a.lines.last(n, f)
	if !follow {
		return backlog, nil, true
	}
	if a.closed {
		ch := make(chan Line)
		close(ch)
		return backlog, ch, true
	}
	s := &subscriber{app: a.name, ch: make(chan Line, buffer), filter: f, obs: a.obs}
	a.subs[s] = struct{}{}
	// Under the lock, so that stop is set before anyone can close s; if ctx
	// has ended already, the function runs on its own goroutine.
	s.stop = context.AfterFunc(ctx, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		delete(a.subs, s)
		s.close()
	})
	return backlog, s.ch, true
}

func (a *appLog) endTails() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for s := range a.subs {
		s.close()
	}
	clear(a.subs)
}

// resumeAfter returns where a follow of container should start: after the
// last frame already in the stream, or at the beginning.
func (a *appLog) resumeAfter(container string) time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.cursors[container]; c != nil {
		return c.upto
	}
	return time.Time{}
}

// collectorDone records that container's output ended.
func (a *appLog) collectorDone(container string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.cursors[container]
	if c == nil || a.removed || a.closed {
		return
	}
	c.done = true
	if a.spool != nil {
		a.spool.appendMark(a.log, container, c)
	}
}

// remove ends the tails and deletes the spool.
func (a *appLog) remove() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.removed = true
	for s := range a.subs {
		s.close()
	}
	clear(a.subs)
	a.lines.reset()
	clear(a.cursors)
	if a.spool == nil {
		return nil
	}
	return a.spool.remove()
}

func (a *appLog) close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	for s := range a.subs {
		s.close()
	}
	clear(a.subs)
	if a.spool == nil {
		return nil
	}
	return a.spool.close()
}

func (a *appLog) load() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.spool.load(a.log, a.name, &a.lines, a.cursors)
}
