package logplex

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Drain limits and timing.
const (
	// DrainQueueLines is how many lines a drain holds for a destination
	// that is down or slow; further lines are dropped and counted.
	DrainQueueLines = 10000
	// MaxDrains is how many drains an app may have.
	MaxDrains = 10

	drainQueueBytes  = 16 << 20
	drainBatchLines  = 500
	drainBatchBytes  = 1 << 20
	drainLinger      = time.Second // an https drain's batching
	drainBackoffMin  = 100 * time.Millisecond
	drainBackoffMax  = 30 * time.Second
	drainFlush       = 2 * time.Second // what Close and Forget give the queued lines
	drainDialTimeout = 10 * time.Second
	drainSendTimeout = 30 * time.Second
	drainNoteEvery   = 10 * time.Second // how often a drain may speak in the stream
)

// drainsFile holds every app's drains, in the spool directory.
const drainsFile = "drains.json"

// DrainInfo is a drain and how it is doing.
type DrainInfo struct {
	ID  string
	URL string // credentials hidden
	// Queued is how many lines wait to be sent.
	Queued int
	// Sent and Dropped count lines since the drain was added or paasd
	// started; lines are dropped when the queue is full.
	Sent, Dropped uint64
	// LastError is the last failure to deliver, at LastErrorAt; it stays
	// after the drain recovers.
	LastError   string
	LastErrorAt time.Time
	// Connected says whether the destination took the last lines (https),
	// or the connection is up (syslog).
	Connected bool
}

// drainConfig is the drains' tuning; tests shrink it.
type drainConfig struct {
	queueLines, queueBytes int
	batchLines, batchBytes int
	linger                 time.Duration
	backoffMin, backoffMax time.Duration
	flush                  time.Duration
	dialTimeout            time.Duration
	writeTimeout           time.Duration
	noteEvery              time.Duration
	tlsConfig              *tls.Config // nil: the system's roots
	// allowPrivate lets drains reach this machine and link-local
	// addresses (Options.AllowPrivateDrains).
	allowPrivate bool
}

func defaultDrainConfig() drainConfig {
	return drainConfig{
		queueLines: DrainQueueLines, queueBytes: drainQueueBytes,
		batchLines: drainBatchLines, batchBytes: drainBatchBytes,
		linger:     drainLinger,
		backoffMin: drainBackoffMin, backoffMax: drainBackoffMax,
		flush:       drainFlush,
		dialTimeout: drainDialTimeout, writeTimeout: drainSendTimeout,
		noteEvery: drainNoteEvery,
	}
}

// drainSet is every app's drains.
type drainSet struct {
	p   *Logplex
	log *slog.Logger
	// cfg is what new drains get; tests change it before adding drains.
	cfg  drainConfig
	path string // "" without a spool directory

	// persist serializes changes: each writes the file and then changes
	// the set, so the file never lags behind a change that was answered.
	persist sync.Mutex

	mu     sync.RWMutex // protects apps and closed
	apps   map[string]*appDrains
	closed bool

	senders sync.WaitGroup
}

// appDrains is one app's drains. Its lock is held while lines join the
// app's stream and its drains' queues, so that drains get them in the
// stream's order.
type appDrains struct {
	mu     sync.Mutex
	drains []*drain
}

func newDrainSet(p *Logplex) *drainSet {
	s := &drainSet{p: p, log: p.log, cfg: defaultDrainConfig(), apps: map[string]*appDrains{}}
	s.cfg.allowPrivate = p.opts.AllowPrivateDrains
	if p.opts.Dir != "" {
		s.path = filepath.Join(p.opts.Dir, drainsFile)
	}
	return s
}

// lock returns app's drains, locked, or nil when it has none.
func (s *drainSet) lock(app string) *appDrains {
	s.mu.RLock()
	ad := s.apps[app]
	s.mu.RUnlock()
	if ad != nil {
		ad.mu.Lock()
	}
	return ad
}

func (ad *appDrains) unlock() {
	if ad != nil {
		ad.mu.Unlock()
	}
}

// deliver queues lines for each drain; it never waits.
func (ad *appDrains) deliver(lines []Line) {
	if ad == nil {
		return
	}
	for _, d := range ad.drains {
		d.enqueue(lines)
	}
}

// AddDrain adds a drain to app's stream: every line from then on is also
// sent to rawURL, which is syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT,
// https://... or, to a collector on this machine, http://. Drains to this
// machine and to link-local addresses are refused unless
// Options.AllowPrivateDrains. The drain is kept across restarts. An invalid URL is an error wrapping ErrInvalidDrain; a URL
// the app drains to already, ErrDrainExists.
func (p *Logplex) AddDrain(app, rawURL string) (DrainInfo, error) {
	u, err := parseDrainURL(rawURL)
	if err != nil {
		return DrainInfo{}, err
	}
	if app == "" {
		return DrainInfo{}, invalidDrain("no app given for the drain")
	}
	s := p.drains
	s.persist.Lock()
	s.mu.RLock()
	closed := s.closed
	var have []*drain
	if ad := s.apps[app]; ad != nil {
		have = ad.drains // only changed under persist
	}
	cfg := s.cfg
	s.mu.RUnlock()
	if err := checkDrainTarget(u, cfg.allowPrivate); err != nil {
		s.persist.Unlock()
		return DrainInfo{}, err
	}
	if closed {
		s.persist.Unlock()
		return DrainInfo{}, errors.New("add drain: the log collector is shut down")
	}
	for _, d := range have {
		if d.url.full == u.full {
			s.persist.Unlock()
			return DrainInfo{}, &drainError{kind: ErrDrainExists,
				msg: fmt.Sprintf("%s has a drain to %s already: %s", app, u.shown, d.id)}
		}
	}
	if len(have) >= MaxDrains {
		s.persist.Unlock()
		return DrainInfo{}, invalidDrain("%s has %d drains, the most an app can have: remove one first", app, len(have))
	}
	d := newDrain(s, app, s.newID(), u, cfg, time.Now().UTC())
	if err := s.save(app, append(slices.Clone(have), d)); err != nil {
		s.persist.Unlock()
		return DrainInfo{}, err
	}
	s.mu.Lock()
	ad := s.apps[app]
	if ad == nil {
		ad = &appDrains{}
		s.apps[app] = ad
	}
	s.mu.Unlock()
	ad.mu.Lock()
	ad.drains = append(slices.Clone(ad.drains), d)
	ad.mu.Unlock()
	s.start(d)
	s.persist.Unlock()

	s.log.Info("log drain added", "app", app, "drain", d.id, "url", u.shown)
	p.Platform(app, "logplex", fmt.Sprintf("drain %s added: %s", d.id, u.shown))
	return d.info(), nil
}

// RemoveDrain removes one of app's drains, by ID or by URL; lines still
// queued for it are not sent. An unknown drain is an error wrapping
// ErrDrainNotFound.
func (p *Logplex) RemoveDrain(app, idOrURL string) error {
	s := p.drains
	s.persist.Lock()
	defer s.persist.Unlock()
	s.mu.RLock()
	var have []*drain
	if ad := s.apps[app]; ad != nil {
		have = ad.drains
	}
	s.mu.RUnlock()
	i := slices.IndexFunc(have, func(d *drain) bool { return d.id == idOrURL })
	shown := idOrURL
	if i < 0 {
		if u, err := parseDrainURL(idOrURL); err == nil {
			shown = u.shown
			i = slices.IndexFunc(have, func(d *drain) bool { return d.url.full == u.full })
		} else if looksLikeURL(idOrURL) {
			shown = "that URL"
		}
	}
	if i < 0 {
		return &drainError{kind: ErrDrainNotFound,
			msg: fmt.Sprintf("%s has no drain %s", app, shown)}
	}
	d := have[i]
	if err := s.save(app, slices.Delete(slices.Clone(have), i, i+1)); err != nil {
		return err
	}
	s.detach(app, d)
	d.stop(0)
	s.log.Info("log drain removed", "app", app, "drain", d.id, "url", d.url.shown)
	p.Platform(app, "logplex", fmt.Sprintf("drain %s removed: %s", d.id, d.url.shown))
	return nil
}

func looksLikeURL(s string) bool { return strings.Contains(s, "://") }

// Drains lists app's drains, oldest first.
func (p *Logplex) Drains(app string) []DrainInfo {
	s := p.drains
	s.mu.RLock()
	ad := s.apps[app]
	s.mu.RUnlock()
	out := []DrainInfo{}
	if ad == nil {
		return out
	}
	ad.mu.Lock()
	drains := ad.drains
	ad.mu.Unlock()
	for _, d := range drains {
		out = append(out, d.info())
	}
	return out
}

// detach takes d out of its app's drains, so it gets no more lines.
func (s *drainSet) detach(app string, d *drain) {
	s.mu.Lock()
	ad := s.apps[app]
	s.mu.Unlock()
	if ad == nil {
		return
	}
	ad.mu.Lock()
	ad.drains = slices.DeleteFunc(slices.Clone(ad.drains), func(x *drain) bool { return x == d })
	empty := len(ad.drains) == 0
	ad.mu.Unlock()
	if empty {
		s.mu.Lock()
		if s.apps[app] == ad && len(ad.drains) == 0 {
			delete(s.apps, app)
		}
		s.mu.Unlock()
	}
}

// forget removes app's drains; they get a short while to send what is
// queued.
func (s *drainSet) forget(app string) {
	s.persist.Lock()
	defer s.persist.Unlock()
	s.mu.Lock()
	ad := s.apps[app]
	delete(s.apps, app)
	s.mu.Unlock()
	if ad == nil {
		return
	}
	ad.mu.Lock()
	drains := ad.drains
	ad.drains = nil
	ad.mu.Unlock()
	if err := s.save(app, nil); err != nil {
		s.log.Error("forget the drains of an app: they come back at the next start", "app", app, "err", err)
	}
	for _, d := range drains {
		d.stop(d.cfg.flush)
	}
}

// close stops every drain, giving them a short while to send what is
// queued, and waits for them.
func (s *drainSet) close() {
	s.persist.Lock()
	s.mu.Lock()
	s.closed = true
	var drains []*drain
	for _, ad := range s.apps {
		ad.mu.Lock()
		drains = append(drains, ad.drains...)
		ad.mu.Unlock()
	}
	s.mu.Unlock()
	s.persist.Unlock()
	for _, d := range drains {
		d.stop(d.cfg.flush)
	}
	s.senders.Wait()
}

func (s *drainSet) start(d *drain) {
	s.senders.Add(1)
	go d.run()
}

// newID names a drain, Heroku-style: d. and random hex, unique in the set.
func (s *drainSet) newID() string {
	for {
		var b [4]byte
		_, _ = rand.Read(b[:])
		id := "d." + hex.EncodeToString(b[:])
		s.mu.RLock()
		taken := false
		for _, ad := range s.apps {
			for _, d := range ad.drains {
				taken = taken || d.id == id
			}
		}
		s.mu.RUnlock()
		if !taken {
			return id
		}
	}
}

// drainID is what the drains file may name a drain: IDs go into headers.
var drainID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// drainRecord is a drain as the drains file keeps it.
type drainRecord struct {
	App     string    `json:"app"`
	ID      string    `json:"id"`
	URL     string    `json:"url"` // with its credentials: the file is 0600
	AddedAt time.Time `json:"added_at"`
}

type drainsFileContent struct {
	Drains []drainRecord `json:"drains"`
}

// save writes the drains file as it is with app's drains replaced by
// drains. Called under persist.
func (s *drainSet) save(app string, drains []*drain) error {
	return s.saveApps(map[string][]*drain{app: drains})
}

// saveApps writes the drains file as it is with the drains of each app in
// changes replaced. Called under persist.
func (s *drainSet) saveApps(changes map[string][]*drain) error {
	if s.path == "" {
		return nil
	}
	var content drainsFileContent
	s.mu.RLock()
	apps := make([]string, 0, len(s.apps)+len(changes))
	for a := range s.apps {
		apps = append(apps, a)
	}
	for a := range changes {
		if _, ok := s.apps[a]; !ok {
			apps = append(apps, a)
		}
	}
	slices.Sort(apps)
	for _, a := range apps {
		list, ok := changes[a]
		if !ok {
			list = s.apps[a].drains
		}
		for _, d := range list {
			content.Drains = append(content.Drains, drainRecord{App: a, ID: d.id, URL: d.url.full, AddedAt: d.added})
		}
	}
	s.mu.RUnlock()
	b, err := json.MarshalIndent(content, "", "  ")
	if err != nil {
		return fmt.Errorf("save drains: %w", err)
	}
	if err := writeFileAtomic(s.path, append(b, '\n')); err != nil {
		return fmt.Errorf("save drains: %w", err)
	}
	return nil
}

// writeFileAtomic replaces path with b: a synced temporary file renamed
// over it, so a crash leaves the old file or the new one.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // fails harmlessly after the rename
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// load reads the drains file and starts its drains. A file that does not
// parse is set aside, not fatal: paasd must start, and the file must not be
// overwritten before someone has looked at it.
func (s *drainSet) load() error {
	_ = os.Remove(s.path + ".tmp")
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read drains: %w", err)
	}
	var content drainsFileContent
	if err := json.Unmarshal(b, &content); err != nil {
		aside := s.path + ".bad-" + time.Now().UTC().Format("20060102T150405Z")
		if rerr := os.Rename(s.path, aside); rerr != nil {
			return fmt.Errorf("read drains: %s does not parse (%v), and cannot be set aside: %w", s.path, err, rerr)
		}
		s.log.Error("the drains file does not parse: set aside, no drains run", "path", aside, "err", err)
		return nil
	}
	seen := map[string]bool{}
	for _, r := range content.Drains {
		u, err := parseDrainURL(r.URL)
		if err == nil && !drainID.MatchString(r.ID) {
			err = fmt.Errorf("ID %q is not a drain ID", r.ID)
		}
		if err != nil || r.App == "" || seen[r.ID] {
			s.log.Error("the drains file has a drain that is not valid: skipped", "app", r.App, "drain", r.ID, "err", err)
			continue
		}
		seen[r.ID] = true
		ad := s.apps[r.App]
		if ad == nil {
			ad = &appDrains{}
			s.apps[r.App] = ad
		}
		if slices.ContainsFunc(ad.drains, func(d *drain) bool { return d.url.full == u.full }) {
			continue
		}
		ad.drains = append(ad.drains, newDrain(s, r.App, r.ID, u, s.cfg, r.AddedAt))
	}
	for _, ad := range s.apps {
		for _, d := range ad.drains {
			s.start(d)
		}
	}
	return nil
}
