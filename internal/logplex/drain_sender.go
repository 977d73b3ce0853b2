package logplex

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// sink delivers batches to one destination.
type sink interface {
	// connect readies the destination, so that a drain's status shows at
	// once whether it can be reached; send does it as well.
	connect(ctx context.Context) error
	// send delivers every line of b, or fails; b is sent again then.
	send(ctx context.Context, b *batch) error
	connected() bool
	close()
}

// batch is lines taken from a drain's queue together.
type batch struct {
	lines []Line
	bytes int
	id    string // the same for every attempt to send it
}

// drain sends an app's lines to one destination. Publishers put lines into
// its queue without ever waiting; its sender goroutine takes them out in
// batches. A full queue drops new lines and counts them, and once lines go
// through again the stream says how many were dropped.
type drain struct {
	set   *drainSet
	app   string
	id    string
	url   drainURL
	cfg   drainConfig
	sink  sink
	added time.Time
	// after, when set, ends when the drain this one replaces (see Rename)
	// has ended: only then does this one send, so that the destination
	// gets the lines in order and from one sender at a time.
	after <-chan struct{}

	mu           sync.Mutex // protects the queue and the status below
	queue        []Line     // queue[off:] wait
	off          int
	queueBytes   int
	inflight     int // lines taken out and not yet sent
	sent         uint64
	dropped      uint64
	unreported   uint64    // lines dropped since the last report
	droppedSince time.Time // time of the first of them
	lastErr      string
	lastErrAt    time.Time
	wake         chan struct{} // has a value when lines were queued

	// life guards stopped, so that no line about the drain enters the
	// stream once it is removed: that would bring a forgotten app back.
	life    sync.Mutex
	stopped bool

	stopOnce sync.Once
	stopping chan struct{}      // closed: send what is queued, then end
	ctx      context.Context    // ends the sender at once
	cancel   context.CancelFunc //
	done     chan struct{}      // closed when the sender ended
}

func newDrain(set *drainSet, app, id string, u drainURL, cfg drainConfig, added time.Time) *drain {
	ctx, cancel := context.WithCancel(context.Background())
	d := &drain{set: set, app: app, id: id, url: u, cfg: cfg, added: added,
		wake: make(chan struct{}, 1), stopping: make(chan struct{}),
		ctx: ctx, cancel: cancel, done: make(chan struct{})}
	if u.syslog() {
		d.sink = newSyslogSink(app, u, cfg)
	} else {
		d.sink = newHTTPSink(id, u, cfg)
	}
	return d
}

// enqueue queues lines, or counts them as dropped when the queue is full. It
// never waits for the sender.
func (d *drain) enqueue(lines []Line) {
	d.mu.Lock()
	queued, dropped := false, 0
	for _, l := range lines {
		size := l.size()
		if len(d.queue)-d.off+d.inflight >= d.cfg.queueLines || (d.queueBytes+size > d.cfg.queueBytes && len(d.queue) > d.off) {
			if d.unreported == 0 {
				d.droppedSince = l.Time
			}
			d.dropped++
			d.unreported++
			dropped++
			continue
		}
		d.queue = append(d.queue, l)
		d.queueBytes += size
		queued = true
	}
	d.mu.Unlock()
	if o := d.set.p.obs.get(); o != nil && dropped > 0 {
		o.LinesDropped(d.app, DropDrain, dropped)
	}
	if queued {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// take moves up to a batch of lines out of the queue.
func (d *drain) take() *batch {
	b := &batch{}
	d.topUp(b)
	return b
}

// topUp moves queued lines into b until it is a whole batch, so that a batch
// sent again after a failure takes along what queued meanwhile. A batch that
// grows is a new one, with an ID of its own.
func (d *drain) topUp(b *batch) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := len(b.lines)
	for d.off < len(d.queue) && len(b.lines) < d.cfg.batchLines {
		l := d.queue[d.off]
		size := l.size()
		if len(b.lines) > 0 && b.bytes+size > d.cfg.batchBytes {
			break
		}
		b.lines = append(b.lines, l)
		b.bytes += size
		d.queue[d.off] = Line{}
		d.off++
		d.queueBytes -= size
	}
	if d.off == len(d.queue) {
		d.queue, d.off = d.queue[:0], 0
	} else if d.off > 1024 && d.off >= len(d.queue)-d.off {
		m := copy(d.queue, d.queue[d.off:])
		clear(d.queue[m:])
		d.queue, d.off = d.queue[:m], 0
	}
	if cap(d.queue) > 4*d.cfg.batchLines && len(d.queue) == 0 {
		d.queue = nil // a burst's room goes back
	}
	d.inflight = len(b.lines)
	if len(b.lines) > n || b.id == "" {
		b.id = newFrameID()
	}
}

func (d *drain) queued() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queue) - d.off
}

// next waits for the next batch: at once when a whole batch waits or the
// drain is stopping, else up to cfg.linger after the first line, so that
// https drains POST fewer, larger batches. It returns nil when the sender
// should end.
func (d *drain) next() *batch {
	var linger <-chan time.Time
	for {
		n := d.queued()
		stopping := isClosed(d.stopping)
		switch {
		case d.ctx.Err() != nil:
			return nil
		case n == 0 && stopping:
			return nil
		case n > 0 && (n >= d.cfg.batchLines || d.cfg.linger <= 0 || stopping):
			return d.take()
		case n > 0 && linger == nil:
			t := time.NewTimer(d.cfg.linger)
			defer t.Stop()
			linger = t.C
		}
		select {
		case <-d.wake:
		case <-linger:
			return d.take()
		case <-d.stopping:
		case <-d.ctx.Done():
			return nil
		}
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// run is the sender: it sends batch after batch, and sends a batch again,
// with growing pauses, until it goes through.
func (d *drain) run() {
	defer close(d.done)
	defer d.set.senders.Done()
	defer d.sink.close()
	defer d.cancel()

	if d.after != nil {
		select {
		case <-d.after:
		case <-d.ctx.Done():
			d.unsent()
			return
		}
	}

	var failingSince, lastFailureNote, lastReport time.Time
	noted := false // the stream was told of this failure
	fail := func(err error) {
		if o := d.set.p.obs.get(); o != nil {
			o.DrainFailed(d.app)
		}
		now := time.Now()
		d.mu.Lock()
		d.lastErr, d.lastErrAt = err.Error(), now.UTC()
		d.mu.Unlock()
		if !failingSince.IsZero() {
			return
		}
		failingSince = now
		d.set.log.Warn("log drain cannot deliver: retrying", "app", d.app, "drain", d.id, "url", d.url.shown, "err", err)
		if lastFailureNote.IsZero() || now.Sub(lastFailureNote) >= d.cfg.noteEvery {
			lastFailureNote, noted = now, true
			d.note(fmt.Sprintf("drain %s (%s) cannot deliver, retrying: %v", d.id, d.url.shown, err))
		}
	}
	if err := d.sink.connect(d.ctx); err != nil && d.ctx.Err() == nil {
		fail(err)
	}

	for {
		b := d.next()
		if b == nil {
			d.unsent()
			return
		}
		pause := d.cfg.backoffMin
		for {
			err := d.sink.send(d.ctx, b)
			if err == nil {
				break
			}
			if d.ctx.Err() != nil {
				d.unsent()
				return
			}
			fail(err)
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-d.ctx.Done():
				t.Stop()
				d.unsent()
				return
			}
			pause = min(pause*2, d.cfg.backoffMax)
			d.topUp(b)
		}

		if o := d.set.p.obs.get(); o != nil {
			o.DrainSent(d.app, len(b.lines))
		}
		now := time.Now()
		d.mu.Lock()
		d.sent += uint64(len(b.lines))
		d.inflight = 0
		dropped, since := d.unreported, d.droppedSince
		recovered := !failingSince.IsZero()
		report := dropped > 0 && (recovered || now.Sub(lastReport) >= d.cfg.noteEvery)
		if report {
			d.unreported = 0
		}
		d.mu.Unlock()
		if recovered {
			d.set.log.Info("log drain delivers again", "app", d.app, "drain", d.id, "url", d.url.shown, "after", now.Sub(failingSince).Round(time.Millisecond).String())
			if noted {
				d.note(fmt.Sprintf("drain %s (%s) delivers again", d.id, d.url.shown))
			}
			failingSince, noted = time.Time{}, false
		}
		if report {
			lastReport = now
			d.set.log.Warn("log drain dropped lines: its queue was full", "app", d.app, "drain", d.id, "url", d.url.shown, "dropped", dropped)
			// Heroku's L10, in the app's own stream.
			d.note(fmt.Sprintf("Error L10 (output buffer overflow): %d messages dropped since %s by drain %s (%s)",
				dropped, since.UTC().Format(timeFormat), d.id, d.url.shown))
		}
	}
}

// note puts a line about the drain into its app's stream, unless the drain
// was removed.
func (d *drain) note(msg string) {
	d.life.Lock()
	defer d.life.Unlock()
	if !d.stopped {
		d.set.p.Platform(d.app, "logplex", msg)
	}
}

// unsent logs what the sender leaves behind when it ends.
func (d *drain) unsent() {
	d.mu.Lock()
	n := len(d.queue) - d.off + d.inflight
	d.mu.Unlock()
	if n > 0 {
		d.set.log.Warn("log drain stopped with lines not delivered", "app", d.app, "drain", d.id, "url", d.url.shown, "lines", n)
	}
}

// stop ends the sender: at once, or after up to flush for what is queued.
// It does not wait for it.
func (d *drain) stop(flush time.Duration) {
	d.life.Lock()
	d.stopped = true
	d.life.Unlock()
	d.stopOnce.Do(func() {
		close(d.stopping)
		if flush <= 0 {
			d.cancel()
			return
		}
		t := time.AfterFunc(flush, d.cancel)
		go func() {
			<-d.done
			t.Stop()
		}()
	})
}

func (d *drain) info() DrainInfo {
	connected := d.sink.connected()
	d.mu.Lock()
	defer d.mu.Unlock()
	return DrainInfo{
		ID:          d.id,
		URL:         d.url.shown,
		Queued:      len(d.queue) - d.off + d.inflight,
		Sent:        d.sent,
		Dropped:     d.dropped,
		LastError:   d.lastErr,
		LastErrorAt: d.lastErrAt,
		Connected:   connected,
	}
}

func newFrameID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
