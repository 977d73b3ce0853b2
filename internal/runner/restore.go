package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/paas-dev/paas/internal/releases"
)

// Restore brings the runner back in line with the ledger at daemon start:
// for each current release it adopts the running containers (routed, not
// restarted) and starts what is missing; it removes this daemon's containers
// of other releases and of apps not in current. Containers of other daemons,
// or with no daemon label, are never listed and so never touched. Apps are
// restored concurrently, so one slow boot does not hold up the others.
func (r *Runner) Restore(ctx context.Context, current []releases.Release) error {
	all, err := r.backend.List(ctx, map[string]string{LabelDaemon: r.opts.DaemonID})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	known := map[string]bool{}
	for _, rel := range current {
		known[rel.App] = true
	}
	var orphans []Container
	for _, c := range all {
		if !known[c.Labels[LabelApp]] {
			orphans = append(orphans, c)
		}
	}

	errs := make([]error, len(current)+1)
	var wg sync.WaitGroup
	for i, rel := range current {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.restoreApp(ctx, rel)
		}()
	}
	if err := r.stopAll(ctx, orphans); err != nil {
		errs[len(current)] = fmt.Errorf("restore: remove containers of deleted apps: %w", err)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// restoreApp reconciles one app to rel. It lists again under the app's lock,
// since a deploy may have run between Restore's listing and now.
func (r *Runner) restoreApp(ctx context.Context, rel releases.Release) error {
	unlock := r.lockApp(rel.App)
	defer unlock()
	actual, err := r.list(ctx, rel.App)
	if err != nil {
		return fmt.Errorf("restore %s: %w", rel.App, err)
	}
	p := diff(rel, formation(rel), actual)
	started, bootErr := r.boot(ctx, rel, p.start, io.Discard)
	live := append(slices.Clone(p.keep), started...)
	if bootErr != nil && len(live) == 0 {
		// Nothing of the current release runs: keep serving whatever still
		// does (a release a crash interrupted mid-deploy, say) rather than
		// nothing, and leave it for the next deploy to replace.
		live, p.remove = splitRunning(p.remove)
	}
	r.route(rel.App, live)
	if len(p.keep) > 0 {
		r.log.Info("processes adopted", "app", rel.App, "release", rel.Version, "count", len(p.keep))
	}
	stopErr := r.stopAll(ctx, p.remove)
	if bootErr != nil {
		return fmt.Errorf("restore %s: %w", rel.App, bootErr)
	}
	if stopErr != nil {
		return fmt.Errorf("restore %s: %w", rel.App, stopErr)
	}
	return nil
}

func splitRunning(cs []Container) (running, rest []Container) {
	for _, c := range cs {
		if c.Running {
			running = append(running, c)
		} else {
			rest = append(rest, c)
		}
	}
	return running, rest
}
