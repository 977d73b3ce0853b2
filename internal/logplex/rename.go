package logplex

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// errRenameClosed is Rename's answer once the Logplex is closing: nothing
// was moved.
var errRenameClosed = errors.New("rename app log: the log collector is shut down: the history and drains stay under the old name")

// Rename moves app old's stream to the name new: its history (in memory and
// its spool file), its drains (same IDs, URLs and added times, persisted),
// which then send lines as new's, and its container cursors. Anything new
// had, a leftover of a destroyed app of that name, is dropped first. old is
// then as if destroyed (Forget): its following tails end, its collectors
// stop, and lines that come for it late are dropped until Know(old).
//
// It is for apps:rename, after old's containers are stopped and before new's
// start: lines published for new while it runs are dropped, and each drain
// sends what it has queued before its successor under new starts. An error
// says what was not moved and what to do about it; what could be moved is.
func (p *Logplex) Rename(old, new string) error {
	if old == new {
		return nil
	}
	if old == "" || new == "" {
		return errors.New("rename app log: an app name is empty: give both names")
	}
	// Both are marked first, as Forget marks an app: nothing starts a
	// stream of either while things move, and an AddDrain under way for
	// either sees it (see drainStore). new is known again at the end.
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return errRenameClosed
	}
	p.forgotten[old] = true
	p.forgotten[new] = true
	p.mu.Unlock()
	defer p.Know(new)

	// Then the drains, as Forget does, so that no drain of old puts a
	// line into a stream that is moving.
	var errs []error
	if err := p.drains.rename(old, new); errors.Is(err, errRenameClosed) {
		return err
	} else if err != nil {
		errs = append(errs, err)
	}

	p.mu.Lock()
	for _, c := range p.following {
		if c.app == old || c.app == new {
			c.cancel()
		}
	}
	from, leftover := p.apps[old], p.apps[new]
	delete(p.apps, old)
	delete(p.apps, new)
	p.mu.Unlock()
	if leftover == nil {
		leftover = p.newAppLog(new) // its spool may exist all the same
	}
	if err := leftover.remove(); err != nil {
		p.log.Warn("remove the leftover log spool of a renamed app's new name", "app", new, "err", err)
	}
	if from == nil {
		from = p.newAppLog(old) // its spool may exist all the same
	}
	to := p.newAppLog(new)
	if err := from.moveTo(to); err != nil {
		errs = append(errs, err)
	}
	p.mu.Lock()
	if !p.closed { // else Close has closed the streams it had, and new's is not wanted
		p.apps[new] = to
	}
	p.mu.Unlock()
	return errors.Join(errs...)
}

// moveTo hands a's lines, cursors and spool file to to, the stream of the
// new name, not yet shared. a ends as remove ends it: its tails end, and a
// writer that holds it looks the app up again.
func (a *appLog) moveTo(to *appLog) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	to.mu.Lock()
	defer to.mu.Unlock()
	a.removed = true
	for s := range a.subs {
		s.close()
	}
	clear(a.subs)
	to.lines, to.cursors = a.lines, a.cursors
	a.lines.reset()
	a.cursors = map[string]*cursor{}
	// As a restart would load them from the moved spool.
	held := to.lines.all()
	for i := range held {
		held[i].App = to.name
	}
	if a.spool == nil || to.spool == nil {
		return nil
	}
	sp := a.spool
	a.spool = nil
	if err := sp.close(); err != nil {
		a.log.Warn("close the log spool of a renamed app", "app", a.name, "err", err)
	}
	err := os.Rename(sp.path, to.spool.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing spooled: to's spool starts afresh
	}
	if err != nil {
		// to keeps the history in memory and spools afresh.
		return fmt.Errorf("rename app log: move %s to %s: %w: the history before the rename stays in the first file, and comes back under %s at a restart; with paasd stopped, put its lines at the start of the second file, or delete it",
			sp.path, to.spool.path, err, a.name)
	}
	syncDir(filepath.Dir(to.spool.path))
	// The file and what is known of it go along.
	sp.path = to.spool.path
	to.spool = sp
	return nil
}

// rename moves old's drains to new, dropping any new had. Each drain stops,
// with a short while to send what is queued, as forget stops them; one with
// the same ID, URL and added time takes its place under new (the syslog
// HOSTNAME), and sends once its predecessor has ended.
func (s *drainSet) rename(old, new string) error {
	s.persist.Lock()
	defer s.persist.Unlock()
	s.mu.RLock()
	closed := s.closed
	from, leftover := s.apps[old], s.apps[new]
	s.mu.RUnlock()
	if closed {
		return errRenameClosed
	}
	if from == nil && leftover == nil {
		return nil
	}
	var moved []*drain
	if from != nil {
		for _, d := range from.drains { // only changed under persist
			nd := newDrain(s, new, d.id, d.url, d.cfg, d.added)
			nd.after = d.done
			moved = append(moved, nd)
		}
	}
	err := s.saveApps(map[string][]*drain{old: nil, new: moved})
	// Moved in memory even if the file was not written: the app is called
	// new from now on, and its drains should go on working; the error
	// says how to save them.
	s.mu.Lock()
	delete(s.apps, old)
	delete(s.apps, new)
	if len(moved) > 0 {
		s.apps[new] = &appDrains{drains: moved}
	}
	s.mu.Unlock()
	var stop []*drain
	for _, ad := range []*appDrains{from, leftover} {
		if ad == nil {
			continue
		}
		// A publisher holding ad delivers to no drain from now on.
		ad.mu.Lock()
		stop = append(stop, ad.drains...)
		ad.drains = nil
		ad.mu.Unlock()
	}
	for _, d := range stop {
		d.stop(d.cfg.flush)
	}
	for _, d := range moved {
		s.start(d)
	}
	if err != nil {
		return fmt.Errorf("rename app log: %w: the drains of %s run as %s's but the file still has them under %s; once it can be written, adding or removing any drain saves them, else a restart brings them back under %s",
			err, old, new, old, old)
	}
	if len(moved) > 0 {
		s.log.Info("log drains moved to the app's new name", "app", new, "from", old, "drains", len(moved))
	}
	return nil
}
