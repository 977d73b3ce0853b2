package platform

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

// buildOutputKeep is how long a finished build's output stays readable at
// its secret output URL; its output at GET /apps/{app}/builds/{id}/output
// stays for good (keepBuildLogs).
const buildOutputKeep = time.Hour

// errBuildCancelled is the cause of a build's end by paasctl builds:cancel.
var errBuildCancelled = errors.New("build cancelled (paasctl builds:cancel)")

// buildRun is a build this paasd runs or ran, whatever its source: its
// output and how to cancel it, kept in memory while it runs and for
// buildOutputKeep after. The ledger records it (releases.BuildRun) from its
// start, and its output is on disk (buildLog).
type buildRun struct {
	id     string
	appID  string
	secret string // of its output URL
	log    *buildLog

	mu     sync.Mutex
	cancel context.CancelCauseFunc // nil once past cancelling
	ended  time.Time               // zero while it runs
}

// builds holds the runs this paasd started, by app id: they stay with an
// app renamed, and go with one destroyed.
type builds struct {
	mu   sync.Mutex
	runs map[string][]*buildRun
}

// add keeps b, and lets go of the runs whose output URL expired, so that
// memory does not grow with every build a paasd ever ran.
func (bs *builds) add(b *buildRun) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.runs == nil {
		bs.runs = map[string][]*buildRun{}
	}
	for app, runs := range bs.runs {
		runs = slices.DeleteFunc(runs, (*buildRun).expired)
		if len(runs) == 0 {
			delete(bs.runs, app)
		} else {
			bs.runs[app] = runs
		}
	}
	bs.runs[b.appID] = append(bs.runs[b.appID], b)
}

// find is the app's run id, nil when this paasd holds none.
func (bs *builds) find(appID, id string) *buildRun {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, b := range bs.runs[appID] {
		if b.id == id && !b.expired() {
			return b
		}
	}
	return nil
}

// bySecret is the run whose output URL ends in secret.
func (bs *builds) bySecret(secret string) *buildRun {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, runs := range bs.runs {
		for _, b := range runs {
			if b.secret == secret && !b.expired() {
				return b
			}
		}
	}
	return nil
}

// forget lets go of an app's runs, at its destroy.
func (bs *builds) forget(appID string) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	delete(bs.runs, appID)
}

// expired says whether b ended more than buildOutputKeep ago.
func (b *buildRun) expired() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.ended.IsZero() && time.Since(b.ended) > buildOutputKeep
}

// setCancel makes b cancellable by cancel; nil once it no longer is.
func (b *buildRun) setCancel(cancel context.CancelCauseFunc) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cancel = cancel
}

// cancelBuild ends b with errBuildCancelled; false when b is past that.
func (b *buildRun) cancelBuild() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cancel == nil || !b.ended.IsZero() {
		return false
	}
	b.cancel(errBuildCancelled)
	return true
}

// startRun records rec, pending, as the app's newest build, and starts its
// output.
func (p *Platform) startRun(a releases.App, rec releases.BuildRun) (*buildRun, releases.BuildRun, error) {
	rec.ID = releases.ChildID(a.ID, releases.KindBuild, "run-"+releases.NewID())
	rec, err := p.store.AddBuildRun(a.Name, rec)
	if err != nil {
		return nil, releases.BuildRun{}, err
	}
	var secret [32]byte
	_, _ = rand.Read(secret[:]) // crypto/rand.Read never fails
	b := &buildRun{id: rec.ID, appID: a.ID, secret: hex.EncodeToString(secret[:]), log: p.createBuildLog(a.ID, rec.ID)}
	p.builds.add(b)
	return b, rec, nil
}

// updateRun records a change of b in the ledger, under the app's name now
// (it may have been renamed meanwhile); an app destroyed took it along.
func (p *Platform) updateRun(b *buildRun, change func(*releases.BuildRun)) {
	a, err := p.store.AppByID(b.appID)
	if errors.Is(err, releases.ErrNotFound) {
		return
	}
	if err == nil {
		err = p.store.UpdateBuildRun(a.Name, b.id, change)
	}
	if err != nil && !errors.Is(err, releases.ErrNotFound) {
		p.log.Error("record a build's progress: a restart shows it failed", "build", b.id, "err", err)
	}
}

// finishRun records how b ended: err nil is success, and rel the release
// it made; ctx is the build's, whose cause tells a cancel from a failure.
func (p *Platform) finishRun(ctx context.Context, b *buildRun, err error, rel releases.Release) {
	status := releases.BuildRunSucceeded
	switch {
	case err != nil && errors.Is(context.Cause(ctx), errBuildCancelled):
		status = releases.BuildRunCancelled
		fmt.Fprintf(b.log, " !     Build cancelled\n")
	case err != nil:
		status = releases.BuildRunFailed
		fmt.Fprintf(b.log, " !     Build failed: %v\n", err)
	default:
		fmt.Fprintf(b.log, "-----> Build %s succeeded\n", b.id)
	}
	var done releases.BuildRun
	p.updateRun(b, func(r *releases.BuildRun) {
		r.Status = status
		if err != nil {
			r.Error = oneLine(err.Error())
		}
		if rel.Version > 0 {
			r.Release, r.BuildID = rel.Version, rel.BuildID
			if r.Commit == "" {
				r.Commit = rel.Commit
			}
		}
		done = *r
	})
	if p.observer != nil && done.ID != "" {
		if a, err := p.store.AppByID(b.appID); err == nil {
			began := done.StartedAt
			if began.IsZero() {
				began = done.CreatedAt
			}
			p.observer.BuildDone(a.Name, done.Builder, status, time.Since(began))
		}
	}
	b.mu.Lock()
	b.ended, b.cancel = time.Now(), nil
	b.mu.Unlock()
	b.log.finish()
}

// oneLine is an error's text fit for one line of a table.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// findRun is the app's build run whose id is ident or starts with it (8
// characters at least, as builds lists them).
func (p *Platform) findRun(a releases.App, ident string) (releases.BuildRun, error) {
	runs, err := p.store.BuildRuns(a.Name)
	if err != nil {
		return releases.BuildRun{}, err
	}
	ident = strings.ToLower(ident)
	var found []releases.BuildRun
	for _, r := range runs {
		if r.ID == ident {
			return r, nil
		}
		if len(ident) >= 8 && strings.HasPrefix(r.ID, ident) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return releases.BuildRun{}, fmt.Errorf("build %s of %s: %w: see paasctl builds", ident, a.Name, releases.ErrNotFound)
	default:
		return releases.BuildRun{}, fmt.Errorf("%w: build %s of %s: %d builds start so: give more of the id", releases.ErrInvalid, ident, a.Name, len(found))
	}
}

// StreamBuildOutput writes the output of the app's build (its id, or "" for
// the newest) to w; while the build runs it follows until the build ends
// or ctx does.
func (p *Platform) StreamBuildOutput(ctx context.Context, app, ident string, w io.Writer, flush func()) error {
	a, err := p.findApp(app)
	if err != nil {
		return err
	}
	var rec releases.BuildRun
	if ident == "" {
		runs, err := p.store.BuildRuns(a.Name)
		if err != nil {
			return err
		}
		if len(runs) == 0 {
			return fmt.Errorf("%s has no builds yet: %w: push to it first", a.Name, releases.ErrNotFound)
		}
		rec = runs[len(runs)-1]
	} else if rec, err = p.findRun(a, ident); err != nil {
		return err
	}
	if b := p.builds.find(a.ID, rec.ID); b != nil {
		return b.log.stream(ctx, w, flush)
	}
	f, err := os.Open(p.buildLogPath(a.ID, rec.ID))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the output of build %s is no longer kept (paas keeps the newest %d builds' output): %w", rec.ID, keepBuildLogs, releases.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read build output: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("send build output: %w", err)
	}
	flush()
	return nil
}
