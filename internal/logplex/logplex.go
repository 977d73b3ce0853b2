// Package logplex makes each app's log stream: its processes' stdout and
// stderr, the router's lines and the platform's events, as one stream per app.
// Each app's stream is a bounded buffer, spooled to disk so history survives
// a paasd restart, and read by tails that can never hold up the writers.
package logplex

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
)

// Defaults for Options.
const (
	DefaultBufferLines = 10000
	DefaultBufferBytes = 16 << 20
	DefaultTailBuffer  = 1000
)

// Options configure a Logplex.
type Options struct {
	// Dir is the spool directory; empty keeps lines in memory only.
	Dir string
	// BufferLines is how many of an app's most recent lines are kept;
	// BufferBytes bounds their size too, against apps that write huge lines.
	BufferLines int
	BufferBytes int
	// TailBuffer is how many lines a following reader may fall behind before
	// lines are dropped for it (at least 2).
	TailBuffer int
	// Docker reads containers' output; nil collects none.
	Docker ContainerLogser
	Logger *slog.Logger
	// AllowPrivateDrains lets drains send to this machine (loopback,
	// localhost, 0.0.0.0) and to link-local addresses, cloud metadata
	// among them; paasd sets it from PAAS_DRAIN_ALLOW_PRIVATE.
	AllowPrivateDrains bool
}

// Normalize puts the defaults into unset fields.
func (o *Options) Normalize() {
	if o.BufferLines <= 0 {
		o.BufferLines = DefaultBufferLines
	}
	if o.BufferBytes <= 0 {
		o.BufferBytes = DefaultBufferBytes
	}
	if o.TailBuffer <= 0 {
		o.TailBuffer = DefaultTailBuffer
	}
	// Reporting drops takes a line of its own next to the line that follows.
	o.TailBuffer = max(o.TailBuffer, 2)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Logplex holds every app's log stream. It is safe for concurrent use.
type Logplex struct {
	opts Options
	log  *slog.Logger

	ctx        context.Context // ends collection on Close
	cancel     context.CancelFunc
	collectors sync.WaitGroup

	mu        sync.RWMutex // protects all of the following
	apps      map[string]*appLog
	following map[string]*collector // by container ID, or addonKey
	closed    bool
	// forgotten are the apps destroyed (or renamed) since the start, until
	// one of the same name is created (Know): lines that come for them late, from a
	// build or a process being stopped, are dropped rather than starting a
	// new spool, and no drain is added to them.
	forgotten map[string]bool

	drains *drainSet // sends apps' lines elsewhere

	obs *observerRef // shared with every app's stream and drain
}

// New loads the spooled history from opts.Dir and returns a Logplex ready to
// collect.
func New(opts Options) (*Logplex, error) {
	opts.Normalize()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Logplex{opts: opts, log: opts.Logger, ctx: ctx, cancel: cancel,
		apps: map[string]*appLog{}, following: map[string]*collector{}, forgotten: map[string]bool{},
		obs: &observerRef{}}
	p.drains = newDrainSet(p)
	if opts.Dir != "" {
		if err := p.load(); err != nil {
			cancel()
			return nil, err
		}
		// After the spools: the drains start sending, and may speak in
		// the streams.
		if err := p.drains.load(); err != nil {
			cancel()
			return nil, err
		}
	}
	return p, nil
}

// load reads every app's spool.
func (p *Logplex) load() error {
	if err := os.MkdirAll(p.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("create log spool directory: %w", err)
	}
	entries, err := os.ReadDir(p.opts.Dir)
	if err != nil {
		return fmt.Errorf("read log spool directory: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		app, ok := appFromSpoolFile(e.Name())
		if !ok {
			continue
		}
		a := p.newAppLog(app)
		if err := a.load(); err != nil {
			return err
		}
		p.apps[app] = a
	}
	return nil
}

func (p *Logplex) newAppLog(app string) *appLog {
	a := &appLog{
		name:    app,
		log:     p.log,
		lines:   ring{maxLines: p.opts.BufferLines, maxBytes: p.opts.BufferBytes},
		subs:    map[*subscriber]struct{}{},
		cursors: map[string]*cursor{},
		obs:     p.obs,
	}
	if p.opts.Dir != "" {
		a.spool = newSpool(p.opts.Dir, app, p.opts.BufferLines, p.opts.BufferBytes)
	}
	return a
}

// appLog returns app's stream, made if need be; nil once p is closed or app
// forgotten.
func (p *Logplex) appLog(app string) *appLog {
	p.mu.RLock()
	a, ok := p.apps[app]
	closed := p.closed || p.forgotten[app]
	p.mu.RUnlock()
	if closed {
		return nil
	}
	if ok {
		return a
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.forgotten[app] {
		return nil
	}
	if a, ok = p.apps[app]; !ok {
		a = p.newAppLog(app)
		p.apps[app] = a
	}
	return a
}

// Publish adds l to its app's stream. It never waits for readers. A zero
// Time becomes the time l joins the stream, so such lines are in time order;
// a message of several lines becomes several Lines, and a line longer than
// MaxLineBytes is split.
func (p *Logplex) Publish(l Line) {
	l.Time = l.Time.UTC()
	msgs := splitMessage(l.Message)
	lines := make([]Line, len(msgs))
	for i, m := range msgs {
		lines[i] = l
		lines[i].Message = m
	}
	p.publish(l.App, lines, nil)
}

// publish appends lines of one app; from is the collector they came from,
// if any.
func (p *Logplex) publish(app string, lines []Line, from *emission) {
	if app == "" || len(lines) == 0 {
		return
	}
	// Held while the lines join the stream and the drains' queues, so the
	// drains get them in the stream's order; neither waits.
	drains := p.drains.lock(app)
	defer drains.unlock()
	for {
		a := p.appLog(app)
		if a == nil {
			return
		}
		if a.append(lines, from) {
			// Lines of a collector that was stopped are not in the
			// stream, and will be read again: not yet for the drains.
			if from == nil || from.ctx.Err() == nil {
				drains.deliver(lines)
			}
			return
		}
		// Forgotten meanwhile: the lines start the app's new stream.
	}
}

// Event puts a runner event into app's stream, as paas[runner].
func (p *Logplex) Event(app, message string) { p.Platform(app, "runner", message) }

// Platform puts a platform event into app's stream, as paas[process]; process
// is the part of the platform that speaks: build, release, api, ...
func (p *Logplex) Platform(app, process, message string) {
	p.Publish(Line{App: app, Source: SourcePaas, Process: process, Message: message})
}

// RouterLine puts one of the router's access lines into app's stream.
func (p *Logplex) RouterLine(app, line string) {
	p.Publish(Line{App: app, Source: SourceRouter, Message: line})
}

// Tail returns up to n of the most recent lines of app that match f and, if
// follow, a channel of the matching lines published from then on. The backlog
// is read and the channel subscribed under one lock, so no line is missed or
// repeated between them. The channel closes when ctx ends (or on Forget,
// Rename of the app, EndTails and Close).
//
// A reader that falls behind by more than Options.TailBuffer lines loses
// lines rather than holding up anyone; before its next line it receives a
// paas[logplex] line saying exactly how many it lost and since when.
func (p *Logplex) Tail(ctx context.Context, app string, f Filter, n int, follow bool) ([]Line, <-chan Line) {
	n = max(n, 0)
	for {
		a := p.appLog(app)
		if a == nil {
			if !follow {
				return nil, nil
			}
			ch := make(chan Line)
			close(ch)
			return nil, ch
		}
		backlog, ch, ok := a.tail(ctx, f, n, follow, p.opts.TailBuffer)
		if ok {
			return backlog, ch
		}
	}
}

// EndTails closes every following tail's channel, so that streaming
// responses end and a server can shut down; collection goes on.
func (p *Logplex) EndTails() {
	p.mu.RLock()
	apps := make([]*appLog, 0, len(p.apps))
	for _, a := range p.apps {
		apps = append(apps, a)
	}
	p.mu.RUnlock()
	for _, a := range apps {
		a.endTails()
	}
}

// Forget drops app's stream, tails, spool and drains, and stops collecting
// its containers: for apps:destroy, after the app's last event.
func (p *Logplex) Forget(app string) {
	// Before the drains go: an AddDrain under way sees it (see drainStore).
	p.mu.Lock()
	p.forgotten[app] = true
	p.mu.Unlock()
	// Then the drains, so that no drain puts a line into the stream once
	// it is gone.
	p.drains.forget(app)
	p.mu.Lock()
	for _, c := range p.following {
		if c.app == app {
			c.cancel()
		}
	}
	a := p.apps[app]
	delete(p.apps, app)
	p.mu.Unlock()
	if a == nil {
		a = p.newAppLog(app) // its spool may exist all the same
	}
	if err := a.remove(); err != nil {
		p.log.Warn("remove app log spool", "app", app, "err", err)
	}
}

// Know takes app in again after Forget: apps:create of a name used before.
func (p *Logplex) Know(app string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.forgotten, app)
}

// Forgotten reports whether app was forgotten and not created again: a
// drain added for it now would outlive its destroy.
func (p *Logplex) Forgotten(app string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.forgotten[app]
}

// Close stops collecting, stops the drains (after a short while to send what
// they hold), ends every tail and closes the spools. Lines published after
// Close are dropped.
func (p *Logplex) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()

	p.cancel()
	p.collectors.Wait()
	// Drains get a short while to send what is queued.
	p.drains.close()

	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, a := range p.apps {
		errs = append(errs, a.close())
	}
	return errors.Join(errs...)
}
