package runner

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
)

// Scale brings the app to spec's formation without replacing what runs: it
// starts the missing instances (a web one is routed once ready) and stops
// the extra ones, highest index first (a web one is unrouted and drained
// first). If a new web process does not boot, what Scale started is removed
// and nothing else changes.
func (r *Runner) Scale(ctx context.Context, spec Spec, out io.Writer) error {
	if out == nil {
		out = io.Discard
	}
	app := spec.Release.App
	if err := spec.validate(); err != nil {
		return fmt.Errorf("scale: %w", err)
	}
	unlock, err := r.lockApp(ctx, app)
	if err != nil {
		return err
	}
	defer unlock()

	r.mu.Lock()
	a := r.apps[app]
	if a == nil {
		// Nothing known of the app (its restore failed): start from what
		// the engine runs.
		r.mu.Unlock()
		return r.restoreLocked(ctx, spec)
	}
	var missing []instance
	for _, in := range instances(spec) {
		if a.slots[in.Process] == nil {
			missing = append(missing, in)
		}
	}
	var extra []*slot
	for _, s := range a.slots {
		if s.Type == releaseType || s.Index > spec.Formation[s.Type] {
			extra = append(extra, s)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(extra, func(a, b *slot) int {
		return cmp.Or(compareTypes(a.Type, b.Type), cmp.Compare(b.Index, a.Index))
	})

	started, err := r.boot(ctx, spec, missing, out)
	if err != nil {
		return err
	}
	r.mu.Lock()
	a = r.appLocked(spec)
	for i, c := range started {
		s := r.newSlot(spec, missing[i], c)
		a.slots[s.Process] = s
		delete(r.info, c.ID)
		r.watchLocked(app, s)
	}
	for _, s := range extra {
		delete(a.slots, s.Process)
	}
	r.mu.Unlock()
	// One route change adds the new web processes and takes out the extra.
	r.publish(app)
	old := r.releaseSlots(extra)
	r.drain(ctx, spec, old)
	r.retire(ctx, spec, old, out)
	return nil
}
