package runner

import (
	"context"
	"time"
)

// sweepInterval is how often Supervise removes this daemon's containers that
// were created but never started. A paasd killed while it asked the engine
// for a container leaves one: the engine finishes the create after the
// daemon is gone, even after the next paasd's Restore looked.
const sweepInterval = 15 * time.Second

// sweepUnstarted removes the containers that were created and never started,
// unless this runner is starting them now or holds them.
func (r *Runner) sweepUnstarted(ctx context.Context) {
	cs, err := r.backend.List(ctx, map[string]string{LabelDaemon: r.opts.DaemonID})
	if err != nil {
		r.log.Warn("look for containers never started", "err", err)
		return
	}
	for _, c := range cs {
		if c.Running || !c.StartedAt.IsZero() || r.holds(c) || c.Labels[LabelApp] == "" {
			continue
		}
		r.log.Info("removing a container created but never started", "container", c.Name, "app", c.Labels[LabelApp])
		if err := r.backend.Remove(ctx, c.ID); err != nil {
			r.log.Warn("remove a container never started", "container", c.Name, "err", err)
		}
	}
}

// holds reports whether c is being created by this runner, or is one it
// knows: a slot's, or one booting, stopping or running as a one-off.
func (r *Runner) holds(c Container) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.creating[c.Name] {
		return true
	}
	if _, ok := r.info[c.ID]; ok {
		return true
	}
	for _, a := range r.apps {
		for _, s := range a.slots {
			if s.c.ID == c.ID {
				return true
			}
		}
	}
	return false
}

// creatingContainer marks name as being created until done is called, so
// that the sweep leaves it be.
func (r *Runner) creatingContainer(name string) (done func()) {
	r.mu.Lock()
	r.creating[name] = true
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		delete(r.creating, name)
		r.mu.Unlock()
	}
}
