package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// Deploy puts a new release live with no dropped request: it starts all new
// web processes, waits until each is ready, routes the app to them, drains
// and stops the old ones; then it replaces the other types, new before old.
// Types the formation no longer runs are stopped. If a new web process exits
// or is not ready within the boot timeout, the new containers are removed
// and the old ones and the routes stay as they were. Progress goes to out,
// the pusher's terminal.
func (r *Runner) Deploy(ctx context.Context, spec Spec, out io.Writer) error {
	if out == nil {
		out = io.Discard
	}
	if err := spec.validate(); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	unlock, err := r.lockApp(ctx, spec.Release.App)
	if err != nil {
		return err
	}
	defer unlock()
	return r.replace(ctx, spec, "", out)
}

// Restart replaces the processes of one type ("" = all) with fresh
// containers of spec's release, by the same rules as Deploy.
func (r *Runner) Restart(ctx context.Context, spec Spec, processType string, out io.Writer) error {
	if out == nil {
		out = io.Discard
	}
	if err := spec.validate(); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	if processType != "" {
		if err := checkType(spec.Release, processType); err != nil {
			return fmt.Errorf("restart: %w", err)
		}
	}
	unlock, err := r.lockApp(ctx, spec.Release.App)
	if err != nil {
		return err
	}
	defer unlock()
	return r.replace(ctx, spec, processType, out)
}

// replace puts spec's formation of one type (all when only is "") in place
// with fresh containers: web first, then the others. Crash counts start over.
func (r *Runner) replace(ctx context.Context, spec Spec, only string, out io.Writer) error {
	app := spec.Release.App
	actual, err := r.list(ctx, app)
	if err != nil {
		return fmt.Errorf("%s %s: %w", app, releaseLabel(spec.Release.Version), err)
	}
	want := instances(spec)
	types := []string{only}
	if only == "" {
		types = r.types(app, want, actual)
	}
	for _, t := range types {
		if t == webType {
			if err := r.cutOver(ctx, spec, ofType(want, t), oldOfType(actual, t), out); err != nil {
				return err
			}
			continue
		}
		r.replaceType(ctx, spec, t, ofType(want, t), oldOfType(actual, t), out)
	}
	return nil
}

// types lists every process type the app wants or runs, web first.
func (r *Runner) types(app string, want []instance, actual []Container) []string {
	set := map[string]bool{}
	for _, in := range want {
		set[in.Type] = true
	}
	for _, c := range actual {
		if !isOneOff(c) {
			set[instanceOf(c).Type] = true
		}
	}
	r.mu.Lock()
	if a := r.apps[app]; a != nil {
		for _, s := range a.slots {
			set[s.Type] = true
		}
	}
	r.mu.Unlock()
	return slices.SortedFunc(maps.Keys(set), compareTypes)
}

// cutOver replaces the web processes: boot all new ones, route to them, drain
// the old ones, stop them.
func (r *Runner) cutOver(ctx context.Context, spec Spec, want []instance, listed []Container, out io.Writer) error {
	started, err := r.boot(ctx, spec, want, out)
	if err != nil {
		return err
	}
	fresh := make([]*slot, len(started))
	for i, c := range started {
		fresh[i] = r.newSlot(spec, want[i], c)
	}
	old := mergeContainers(r.swap(spec, webType, fresh), listed)
	r.publish(spec.Release.App)
	r.drain(ctx, spec, old)
	r.retire(ctx, spec, old, out)
	return nil
}

// replaceType replaces the processes of a type nothing routes to: start the
// new ones, then stop the old ones. The release is live by now, so a process
// that fails to start does not fail the deploy: it is left crashed, for the
// supervisor to retry.
func (r *Runner) replaceType(ctx context.Context, spec Spec, typ string, want []instance, listed []Container, out io.Writer) {
	app := spec.Release.App
	fresh := make([]*slot, 0, len(want))
	for _, in := range want {
		c, err := r.start(ctx, spec, in, out)
		if err != nil {
			step(out, "%s failed to start, it will be retried: %v", in.Process, err)
			r.event(app, in.Process, "Failed to start: %v", err)
			r.log.Warn("process failed to start", "app", app, "process", in.Process, "err", err)
		} else {
			r.stateChanged(app, in.Process, StateStarting, StateUp)
		}
		fresh = append(fresh, r.newSlot(spec, in, c))
	}
	old := mergeContainers(r.swap(spec, typ, fresh), listed)
	r.retire(ctx, spec, old, out)
}

// boot starts a container for each instance and waits until the web ones are
// ready. On failure it removes every container it started and says why, with
// the failed process's last output.
func (r *Runner) boot(ctx context.Context, spec Spec, ins []instance, out io.Writer) ([]Container, error) {
	rel := spec.Release
	var started []Container
	fail := func(err error) ([]Container, error) {
		r.discard(ctx, started)
		return nil, err
	}
	for _, in := range ins {
		c, err := r.start(ctx, spec, in, out)
		if err != nil {
			r.event(rel.App, in.Process, "Failed to start: %v", err)
			return fail(err)
		}
		r.setInfo(c.ID, StateStarting, commandText(rel, in.Type, c))
		started = append(started, c)
	}
	for i, c := range started {
		in := ins[i]
		if in.Type == webType {
			if err := r.waitReady(ctx, c, r.bootTimeout(spec), spec.HealthPath); err != nil {
				r.event(rel.App, in.Process, "Boot failed: %v", err)
				err = fmt.Errorf("boot %s (%s): %w%s", in.Process, releaseLabel(rel.Version), err, r.lastOutput(ctx, c, in.Process))
				r.log.Warn("process failed to boot", "app", rel.App, "release", rel.Version, "process", in.Process, "err", err)
				return fail(err)
			}
		}
		r.setInfoState(c.ID, StateUp)
		r.stateChanged(rel.App, in.Process, StateStarting, StateUp)
		step(out, "%s is up", in.Process)
		r.log.Info("process up", "app", rel.App, "release", rel.Version, "process", in.Process, "addr", r.routeAddr(c))
	}
	return started, nil
}

// drain waits, up to the stop timeout, until no request is in flight to the
// web processes in cs, which are no longer routed.
func (r *Runner) drain(ctx context.Context, spec Spec, cs []Container) {
	var addrs []string
	for _, c := range cs {
		if addr := r.routeAddr(c); c.Running && addr != "" && instanceOf(c).Type == webType {
			addrs = append(addrs, addr)
		}
	}
	if len(addrs) == 0 {
		return
	}
	// Like the stop, the drain runs to its end even if ctx ends: the
	// requests in flight are users'.
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.stopTimeout(spec))
	defer cancel()
	began := time.Now()
	if err := r.routes.Drain(drainCtx, spec.Release.App, addrs); err != nil {
		r.log.Warn("drain", "app", spec.Release.App, "addrs", addrs, "err", err)
		return
	}
	r.log.Info("drained", "app", spec.Release.App, "addrs", addrs, "took", time.Since(began))
}

// retire stops and removes containers that are no longer wanted, one
// progress line each, highest index first. It runs to the end even if ctx
// ends: what replaced them is already live.
func (r *Runner) retire(ctx context.Context, spec Spec, cs []Container, out io.Writer) {
	if len(cs) == 0 {
		return
	}
	app := spec.Release.App
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b Container) int {
		ia, ib := instanceOf(a), instanceOf(b)
		return cmp.Or(compareTypes(ia.Type, ib.Type), cmp.Compare(ib.Index, ia.Index), a.StartedAt.Compare(b.StartedAt))
	})
	for _, c := range cs {
		proc := c.Labels[LabelProcess]
		step(out, "Stopping %s (%s)", proc, c.Labels[LabelRelease])
		r.setInfoState(c.ID, StateStopping)
		if c.Running {
			r.stateChanged(app, proc, StateUp, StateStopping)
		}
	}
	if err := r.stopAll(ctx, cs, r.stopTimeout(spec)); err != nil {
		r.log.Warn("stop replaced containers", "app", app, "err", err)
	}
}

func oldOfType(cs []Container, typ string) []Container {
	var out []Container
	for _, c := range cs {
		if !isOneOff(c) && instanceOf(c).Type == typ {
			out = append(out, c)
		}
	}
	return out
}

// mergeContainers is a then those of b not in a.
func mergeContainers(a, b []Container) []Container {
	out := slices.Clone(a)
	for _, c := range b {
		if !slices.ContainsFunc(out, func(o Container) bool { return o.ID == c.ID }) {
			out = append(out, c)
		}
	}
	return out
}

// ErrNoSuchProcess is a process name the app's formation does not run.
var ErrNoSuchProcess = errors.New("no such process")

// RestartProcess replaces one process of the formation (web.2) with a fresh
// one of spec's release, the others untouched: a web process's successor
// must be ready before the router moves to it and the old one drains.
func (r *Runner) RestartProcess(ctx context.Context, spec Spec, name string, out io.Writer) error {
	if out == nil {
		out = io.Discard
	}
	if err := spec.validate(); err != nil {
		return fmt.Errorf("restart %s: %w", name, err)
	}
	app := spec.Release.App
	unlock, err := r.lockApp(ctx, app)
	if err != nil {
		return err
	}
	defer unlock()
	r.mu.Lock()
	var in instance
	found := false
	if a := r.apps[app]; a != nil {
		if s, ok := a.slots[name]; ok {
			in, found = s.instance, true
		}
	}
	r.mu.Unlock()
	if !found {
		return fmt.Errorf("restart %s of %s: %w: run paasctl ps to list the app's processes", name, app, ErrNoSuchProcess)
	}
	started, err := r.boot(ctx, spec, []instance{in}, out)
	if err != nil {
		return err
	}
	fresh := r.newSlot(spec, in, started[0])
	r.mu.Lock()
	a := r.appLocked(spec)
	old, had := a.slots[name]
	a.slots[name] = fresh
	delete(r.info, fresh.c.ID)
	r.watchLocked(app, fresh)
	r.mu.Unlock()
	var gone []Container
	if had {
		gone = r.releaseSlots([]*slot{old})
	}
	r.publish(app)
	r.drain(ctx, spec, gone)
	r.retire(ctx, spec, gone, out)
	r.event(app, name, "Restarted")
	return nil
}
