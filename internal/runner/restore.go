package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Restore brings the runner back in line with the ledger at daemon start.
// For each spec it adopts the running containers of the spec's release
// (routed, never restarted), starts the missing instances and removes this
// daemon's other containers of the app (other releases, extra indexes,
// exited ones, one-offs whose caller is gone); it removes the containers of
// apps no spec names. The app's processes are then supervised (see
// Supervise). Containers of other daemons, or with no daemon label, are never
// listed and so never touched; nor are this daemon's containers that are no
// app's process (no app label: add-ons' services). Apps are restored concurrently, so one slow
// boot does not hold up the others. An instance that fails to boot is left
// crashed, for the supervisor to retry, and reported in the error.
func (r *Runner) Restore(ctx context.Context, specs []Spec) error {
	all, err := r.backend.List(ctx, map[string]string{LabelDaemon: r.opts.DaemonID})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	known := map[string]bool{}
	for _, s := range specs {
		known[s.Release.App] = true
	}
	var orphans []Container
	for _, c := range all {
		if c.Labels[LabelApp] == "" {
			continue // not an app's process: an add-on's service, say
		}
		if !known[c.Labels[LabelApp]] {
			orphans = append(orphans, c)
		}
	}
	r.forgetApps(known)

	errs := make([]error, len(specs)+1)
	var wg sync.WaitGroup
	for i, spec := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.restoreApp(ctx, spec)
		}()
	}
	if err := r.stopAll(ctx, orphans, r.opts.StopTimeout); err != nil {
		errs[len(specs)] = fmt.Errorf("restore: remove containers of deleted apps: %w", err)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// forgetApps drops the runner's state of apps not in keep.
func (r *Runner) forgetApps(keep map[string]bool) {
	r.mu.Lock()
	var gone []*appState
	for app, a := range r.apps {
		if !keep[app] {
			gone = append(gone, a)
			delete(r.apps, app)
		}
	}
	r.mu.Unlock()
	for _, a := range gone {
		for _, s := range a.slots {
			r.unwatch(s)
		}
	}
}

func (r *Runner) restoreApp(ctx context.Context, spec Spec) error {
	if err := spec.validate(); err != nil {
		return fmt.Errorf("restore %s: %w", spec.Release.App, err)
	}
	unlock, err := r.lockApp(ctx, spec.Release.App)
	if err != nil {
		return err
	}
	defer unlock()
	return r.restoreLocked(ctx, spec)
}

// restoreLocked reconciles one app to spec from what the engine runs. The
// app's lock must be held.
func (r *Runner) restoreLocked(ctx context.Context, spec Spec) error {
	app := spec.Release.App
	// The engine's view is the truth: what this runner knew of the app goes.
	r.mu.Lock()
	prev := r.apps[app]
	delete(r.apps, app)
	r.mu.Unlock()
	if prev != nil {
		for _, s := range prev.slots {
			r.unwatch(s)
		}
	}
	actual, err := r.list(ctx, app)
	if err != nil {
		return fmt.Errorf("restore %s: %w", app, err)
	}
	var formation, stale []Container
	for _, c := range actual {
		switch {
		case !isOneOff(c):
			formation = append(formation, c)
		case r.tracked(c.ID):
			// A one-off of this runner: its caller is still there.
		case !c.Running || c.Labels[LabelOneOff] != oneOffDetached:
			// An attached one-off lost its caller with the old daemon; a
			// detached one that runs is left to finish (and is removed by
			// the next restore).
			stale = append(stale, c)
		}
	}
	p := diff(spec.Release, instances(spec), formation)
	stale = append(stale, p.remove...)

	slots := make([]*slot, 0, len(p.keep)+len(p.start))
	for _, c := range p.keep {
		if r.opts.PublishPorts && c.HostAddr == "" && instanceOf(c).Type == webType {
			r.log.Warn("adopted a web process that publishes no port: it was started before PAAS_ROUTER_UPSTREAM=published, and is reached at its address until replaced (paasctl ps:restart web)",
				"app", app, "process", c.Labels[LabelProcess])
		}
		s := r.newSlot(spec, instanceOf(c), c)
		s.upSince = c.StartedAt
		slots = append(slots, s)
		// The log collector resumes where it stopped before the restart.
		r.events.ProcessStarted(app, s.Process, c.ID)
	}
	booted, bootErr := r.bootEach(ctx, spec, p.start)
	slots = append(slots, booted...)

	r.mu.Lock()
	a := r.appLocked(spec)
	for _, s := range slots {
		a.slots[s.Process] = s
		r.watchLocked(app, s)
	}
	r.mu.Unlock()
	r.publish(app)
	if len(p.keep) > 0 {
		r.log.Info("processes adopted", "app", app, "release", spec.Release.Version, "count", len(p.keep))
	}
	stopErr := r.stopAll(ctx, stale, r.stopTimeout(spec))
	if err := errors.Join(bootErr, stopErr); err != nil {
		return fmt.Errorf("restore %s: %w", app, err)
	}
	return nil
}

// bootEach boots each instance on its own, all at once: one that fails does
// not take the others down, it becomes a crashed slot.
func (r *Runner) bootEach(ctx context.Context, spec Spec, ins []instance) ([]*slot, error) {
	slots := make([]*slot, len(ins))
	errs := make([]error, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c Container
			if started, err := r.boot(ctx, spec, []instance{in}, io.Discard); err != nil {
				errs[i] = err
			} else {
				c = started[0]
				r.forget(c.ID)
			}
			slots[i] = r.newSlot(spec, in, c)
		}()
	}
	wg.Wait()
	return slots, errors.Join(errs...)
}
