package router

import (
	"context"
	"fmt"
)

// Drain waits until no request is in flight to any of addrs among app's
// backends, or ctx ends. Call it after SetBackends has removed addrs from the
// app, so no new request goes there; then stop those processes. An address
// still in the app's set is not waited for.
//
// An upgraded connection (a WebSocket) counts as in flight until either side
// closes it, which may be never; Drain waits for it only until ctx ends, and
// stopping the process cuts it. The error then wraps ctx.Err() and says how
// many requests were still in flight.
func (r *Router) Drain(ctx context.Context, app string, addrs []string) error {
	for {
		r.mu.Lock()
		n := r.inflightLocked(app, addrs)
		if n == 0 {
			r.forgetLocked(app, addrs)
			r.mu.Unlock()
			return nil
		}
		if r.drained == nil {
			r.drained = make(chan struct{})
		}
		wake := r.drained
		r.mu.Unlock()

		select {
		case <-wake:
		case <-ctx.Done():
			r.mu.Lock()
			n = r.inflightLocked(app, addrs)
			r.mu.Unlock()
			if n == 0 {
				return nil
			}
			noun := "requests"
			if n == 1 {
				noun = "request"
			}
			return fmt.Errorf("drain app %q: %d %s still in flight to its removed processes: %w", app, n, noun, ctx.Err())
		}
	}
}

// inflightLocked counts the requests in flight to those of addrs that app
// no longer routes to.
func (r *Router) inflightLocked(app string, addrs []string) int64 {
	var n int64
	for _, addr := range addrs {
		if t := r.targets[app][addr]; t != nil && t.retired.Load() {
			n += t.inflight.Load()
		}
	}
	return n
}

// forgetLocked drops the retired targets of addrs, drained now; a request
// still holding one finds it retired.
func (r *Router) forgetLocked(app string, addrs []string) {
	for _, addr := range addrs {
		if t := r.targets[app][addr]; t != nil && t.retired.Load() && t.inflight.Load() == 0 {
			delete(r.targets[app], addr)
		}
	}
	if len(r.targets[app]) == 0 {
		delete(r.targets, app)
	}
}

// wakeDrains makes every waiting Drain count again. A request calls it when
// it was the last in flight to a retired target.
func (r *Router) wakeDrains() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.wakeDrainsLocked()
}

func (r *Router) wakeDrainsLocked() {
	if r.drained != nil {
		close(r.drained)
		r.drained = nil
	}
}
