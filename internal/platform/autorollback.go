package platform

import (
	"context"
	"fmt"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

// crashLoopRestarts is how many restarts within the watch window count as
// a crash loop.
const crashLoopRestarts = 2

// watchPoll is how often a watched release's processes are looked at.
var watchPoll = time.Second

// watchLater watches rel after it went live, when the app has auto-rollback
// on: if its processes crash-loop within the window, the release before it is
// put back as a normal appended rollback release.
func (p *Platform) watchLater(rel releases.Release) {
	st, err := p.store.Settings(rel.App)
	if err != nil || !st.AutoRollback {
		return
	}
	window := st.AutoRollbackWindow
	if window == 0 {
		window = DefaultAutoRollbackWindow
	}
	a, err := p.store.App(rel.App)
	if err != nil {
		return
	}
	// Ends with the app: a watch must not roll back an app of the same name
	// created after a destroy.
	appCtx := p.work.context(a.ID)
	p.background.Add(1)
	go func() {
		defer p.background.Done()
		p.watch(appCtx, rel, window)
	}()
}

func (p *Platform) watch(appCtx context.Context, rel releases.Release, window time.Duration) {
	ctx, stop := withApp(p.ctx, appCtx)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	t := time.NewTicker(watchPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		reason, err := p.crashLoop(ctx, rel)
		if err != nil || reason == "" {
			continue
		}
		p.emit(rel.App, "release", fmt.Sprintf("Auto-rollback: v%d is crash-looping (%s)", rel.Version, reason))
		// Not ended by the window, only by the app's destroy.
		rctx, rstop := withApp(context.Background(), appCtx)
		_, err = p.rollback(rctx, rel.App, 0, "paasd (auto-rollback)", rel.Version, reason)
		rstop()
		if err != nil {
			p.emit(rel.App, "release", fmt.Sprintf("Auto-rollback of v%d failed: %v", rel.Version, err))
			p.log.Warn("auto-rollback failed", "app", rel.App, "version", rel.Version, "err", err)
		}
		return
	}
}

// crashLoop says why rel's processes look broken, or "" while they look fine.
func (p *Platform) crashLoop(ctx context.Context, rel releases.Release) (string, error) {
	procs, err := p.runner.Processes(ctx, rel.App)
	if err != nil {
		return "", err
	}
	for _, pr := range procs {
		if pr.Release == rel.Version && pr.Restarts >= crashLoopRestarts {
			return fmt.Sprintf("%s restarted %d times", pr.Name, pr.Restarts), nil
		}
	}
	return "", nil
}
