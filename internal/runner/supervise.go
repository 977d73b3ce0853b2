package runner

import (
	"cmp"
	"context"
	"io"
	"slices"
	"time"

	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/router"
)

// appState is an app's desired state and the slots that carry it out.
type appState struct {
	spec  Spec
	slots map[string]*slot // by process name, "web.2"
}

// slot is one instance of the formation, "shop/web.2", across the
// containers that run it in turn. While supervision runs, a goroutine per
// slot waits on its container and restarts it when it exits.
type slot struct {
	instance
	rel releases.Release

	// Protected by Runner.mu:
	c        Container // the current container; ID "" while none runs
	state    string
	command  string
	restarts int       // containers started after the first
	crashes  int       // consecutive crashes, for the back-off
	upSince  time.Time // zero unless up
	cancel   context.CancelFunc
	done     chan struct{} // closed when the goroutine has returned
}

// newSlot is a slot for in, running c; with no c (it failed to start) the
// slot is crashed, to be restarted.
func (r *Runner) newSlot(spec Spec, in instance, c Container) *slot {
	s := &slot{instance: in, rel: spec.Release, c: c, state: StateUp, upSince: time.Now(), command: commandText(spec.Release, in.Type, c)}
	if c.ID == "" {
		s.state, s.crashes, s.upSince = StateCrashed, 1, time.Time{}
	}
	return s
}

// appLocked returns app's state, made if missing, with spec as the desired
// state. r.mu must be held.
func (r *Runner) appLocked(spec Spec) *appState {
	a := r.apps[spec.Release.App]
	if a == nil {
		a = &appState{slots: map[string]*slot{}}
		r.apps[spec.Release.App] = a
	}
	a.spec = spec
	return a
}

// swap makes fresh the slots of type typ and returns the containers of the
// slots they replace, which are no longer supervised, marked stopping.
func (r *Runner) swap(spec Spec, typ string, fresh []*slot) []Container {
	app := spec.Release.App
	r.mu.Lock()
	a := r.appLocked(spec)
	var old []*slot
	for name, s := range a.slots {
		if s.Type == typ {
			old = append(old, s)
			delete(a.slots, name)
		}
	}
	for _, s := range fresh {
		a.slots[s.Process] = s
		delete(r.info, s.c.ID)
		r.watchLocked(app, s)
	}
	r.mu.Unlock()
	return r.releaseSlots(old)
}

// releaseSlots ends the supervision of slots and returns their containers,
// marked stopping.
func (r *Runner) releaseSlots(slots []*slot) []Container {
	var cs []Container
	for _, s := range slots {
		c := r.unwatch(s)
		if c.ID == "" {
			continue
		}
		r.mu.Lock()
		r.info[c.ID] = containerInfo{state: StateStopping, command: s.command}
		r.mu.Unlock()
		cs = append(cs, c)
	}
	return cs
}

// Supervise restarts exited processes of the desired state until ctx ends,
// with a back-off for processes that keep crashing. It leaves the containers
// running when it returns: a daemon restart restarts no app. Call it once.
func (r *Runner) Supervise(ctx context.Context) {
	r.mu.Lock()
	r.supervise = ctx
	for app, a := range r.apps {
		for _, s := range a.slots {
			r.watchLocked(app, s)
		}
	}
	r.mu.Unlock()
	sweep := time.NewTicker(sweepInterval)
	defer sweep.Stop()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-sweep.C:
			r.sweepUnstarted(ctx)
		}
	}
	r.mu.Lock()
	r.supervise = nil
	r.mu.Unlock()
	r.watchers.Wait()
}

// watchLocked starts s's goroutine if supervision runs. r.mu must be held.
func (r *Runner) watchLocked(app string, s *slot) {
	if r.supervise == nil {
		return
	}
	ctx, cancel := context.WithCancel(r.supervise)
	s.cancel, s.done = cancel, make(chan struct{})
	r.watchers.Add(1)
	go r.watch(ctx, app, s, s.done)
}

// unwatch stops s's goroutine, if any, and returns s's container. After it
// returns nothing but the caller touches the container: a process the runner
// stops is not a crash.
func (r *Runner) unwatch(s *slot) Container {
	r.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel = nil
	r.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return s.c
}

// watch is s's goroutine: wait for the container to exit, record the crash,
// back off, restart; until ctx ends, which leaves the container as it is.
func (r *Runner) watch(ctx context.Context, app string, s *slot, done chan struct{}) {
	defer r.watchers.Done()
	defer close(done)
	for ctx.Err() == nil {
		r.mu.Lock()
		c, state := s.c, s.state
		r.mu.Unlock()
		if state != StateCrashed {
			code, err := r.waitExit(ctx, c)
			if ctx.Err() != nil {
				return
			}
			r.crashed(app, s, code, err)
		}
		if !r.backOff(ctx, app, s) {
			return
		}
		r.restart(ctx, app, s)
	}
}

// waitRetryInterval paces retries of a failed wait on a running container.
const waitRetryInterval = time.Second

// waitExit returns c's exit code once it exits. A failed wait (the engine
// restarting, say) is retried while the container runs; err is set when the
// container is gone.
func (r *Runner) waitExit(ctx context.Context, c Container) (int, error) {
	for {
		code, err := r.backend.Wait(ctx, c.ID)
		if err == nil || ctx.Err() != nil {
			return code, err
		}
		cur, ierr := r.backend.Inspect(ctx, c.ID)
		switch {
		case ierr != nil:
			return -1, err
		case !cur.Running:
			return cur.ExitCode, nil
		}
		r.log.Warn("wait for process", "container", c.Name, "err", err)
		if !sleep(ctx, waitRetryInterval) {
			return 0, ctx.Err()
		}
	}
}

// crashed records that s's process exited without the runner stopping it.
func (r *Runner) crashed(app string, s *slot, code int, waitErr error) {
	r.mu.Lock()
	var upFor time.Duration
	if !s.upSince.IsZero() {
		upFor = time.Since(s.upSince)
	}
	s.crashes = nextCrashes(s.crashes, upFor, r.opts.BackoffReset)
	from := s.state
	s.state, s.upSince = StateCrashed, time.Time{}
	crashes := s.crashes
	r.mu.Unlock()
	if waitErr != nil {
		r.event(app, s.Process, "Process is gone (%v)", waitErr)
	} else {
		r.event(app, s.Process, "Process exited with status %d", code)
	}
	r.stateChanged(app, s.Process, from, StateCrashed)
	r.log.Warn("process crashed", "app", app, "process", s.Process, "code", code, "crashes", crashes)
	if s.Type == webType {
		r.publish(app)
	}
}

// backOff waits before a restart as long as the crash count says. It
// returns false if ctx ended first.
func (r *Runner) backOff(ctx context.Context, app string, s *slot) bool {
	r.mu.Lock()
	crashes := s.crashes
	r.mu.Unlock()
	delay := backoff(crashes, r.opts.BackoffBase, r.opts.BackoffMax)
	if delay == 0 {
		r.event(app, s.Process, "Restarting")
		return true
	}
	r.event(app, s.Process, "Restarting in %s (crashed %d times)", formatDelay(delay), crashes)
	return sleep(ctx, delay)
}

// restart replaces s's exited container with a new one of the app's current
// desired state. A web process is routed again once it is ready.
func (r *Runner) restart(ctx context.Context, app string, s *slot) {
	r.mu.Lock()
	a := r.apps[app]
	if a == nil || a.slots[s.Process] != s {
		r.mu.Unlock()
		return // released: whoever released it handles the container
	}
	spec := a.spec
	spec.Release = s.rel
	old := s.c
	r.mu.Unlock()

	if old.ID != "" {
		if err := r.backend.Remove(ctx, old.ID); err != nil {
			r.log.Warn("remove crashed container", "container", old.Name, "err", err)
		}
		r.mu.Lock()
		s.c = Container{}
		r.mu.Unlock()
	}
	if ctx.Err() != nil {
		return
	}
	r.setSlotState(app, s, StateStarting)
	c, err := r.start(ctx, spec, s.instance, io.Discard)
	if err != nil {
		r.mu.Lock()
		s.state = StateCrashed
		if ctx.Err() == nil {
			s.crashes = nextCrashes(s.crashes, 0, r.opts.BackoffReset)
		}
		r.mu.Unlock()
		if ctx.Err() == nil {
			r.event(app, s.Process, "Failed to start: %v", err)
			r.stateChanged(app, s.Process, StateStarting, StateCrashed)
		}
		return
	}
	r.mu.Lock()
	s.c, s.command = c, commandText(spec.Release, s.Type, c)
	s.restarts++
	r.mu.Unlock()
	if s.Type == webType {
		if err := r.waitReady(ctx, c, r.bootTimeout(spec), spec.HealthPath); err != nil {
			if ctx.Err() != nil {
				return
			}
			// Killed, it exits; the next wait records the crash.
			r.event(app, s.Process, "Boot failed: %v", err)
			if err := r.backend.Stop(ctx, c.ID, 0); err != nil {
				r.log.Warn("kill process that failed to boot", "container", c.Name, "err", err)
			}
			return
		}
	}
	r.mu.Lock()
	s.upSince = time.Now()
	r.mu.Unlock()
	r.setSlotState(app, s, StateUp)
	if s.Type == webType {
		r.publish(app)
	}
}

func (r *Runner) setSlotState(app string, s *slot, to string) {
	r.mu.Lock()
	from := s.state
	s.state = to
	r.mu.Unlock()
	r.stateChanged(app, s.Process, from, to)
}

// publish routes the app to its web processes that are up.
func (r *Runner) publish(app string) {
	r.routesMu.Lock()
	defer r.routesMu.Unlock()
	r.mu.Lock()
	a := r.apps[app]
	if a == nil {
		r.mu.Unlock()
		return
	}
	var up []*slot
	for _, s := range a.slots {
		if s.Type == webType && s.state == StateUp && r.routeAddr(s.c) != "" {
			up = append(up, s)
		}
	}
	slices.SortFunc(up, func(a, b *slot) int { return cmp.Compare(a.Index, b.Index) })
	backends := make([]router.Backend, len(up))
	for i, s := range up {
		backends[i] = router.Backend{Addr: r.routeAddr(s.c), Name: s.Process}
	}
	r.mu.Unlock()
	r.routes.SetBackendsNamed(app, backends)
}

// sleep waits d; false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
