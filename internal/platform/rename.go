package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/gitserver"
	"github.com/paas-dev/paas/internal/releases"
)

// RenameApp gives the app called old the name new (Heroku's apps:rename). The
// app keeps its id, releases, config, formation, settings, domains, log
// history and drains; its repository moves, so the git remote and the app's
// host become new's (the old ones stop answering). Its processes are
// restarted under the new name, since every container is labelled with the
// app's name: there is a brief interruption. A push under way to the app
// makes the rename fail at once with a conflict, rather than wait for it.
func (p *Platform) RenameApp(ctx context.Context, old, new string) error {
	if err := releases.ValidateAppName(old); err != nil {
		return err
	}
	if err := releases.ValidateAppName(new); err != nil {
		return err
	}
	// Both locks, in name order, so that two renames across the same two
	// names cannot each hold the lock the other waits for.
	first, second := old, new
	if second < first {
		first, second = second, first
	}
	unlockFirst, err := p.lockApp(ctx, first)
	if err != nil {
		return err
	}
	defer unlockFirst()
	unlockSecond, err := p.lockApp(ctx, second)
	if err != nil {
		return err
	}
	defer unlockSecond()
	a, err := p.store.App(old)
	if err != nil {
		return err
	}
	if _, err := p.store.App(new); err == nil {
		return fmt.Errorf("rename app %s: app %q: %w: choose another name", old, new, releases.ErrExists)
	} else if !errors.Is(err, releases.ErrNotFound) {
		return err
	}
	st, err := p.store.Settings(old)
	if err != nil {
		return err
	}

	// The repository first: it is the one step that may refuse (a push
	// under way), and the one undone if the ledger refuses.
	if p.repos != nil {
		if err := p.repos.RenameRepo(old, new); err != nil {
			if errors.Is(err, gitserver.ErrPushUnderway) {
				return &api.Error{StatusCode: http.StatusConflict, ID: api.IDConflict, Message: err.Error()}
			}
			return fmt.Errorf("rename app %s: %w", old, err)
		}
	}
	if _, err := p.store.RenameApp(old, new); err != nil {
		if p.repos != nil {
			if rerr := p.repos.RenameRepo(new, old); rerr != nil {
				p.log.Error("put the repository back after a refused rename", "app", old, "err", rerr)
			}
		}
		return err
	}
	p.log.Info("app renamed", "app", new, "from", old, "id", a.ID)

	// From here the rename has happened; what fails is reported as such.
	// Seen through even if the caller goes away, like a destroy.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), destroyTimeout)
	defer cancel()
	var errs []error
	if err := p.moveAddons(ctx, a.ID, old, false); err != nil {
		errs = append(errs, fmt.Errorf("take its add-ons off the old network: %w", err))
	}
	if err := p.runner.StopApp(ctx, old); err != nil {
		errs = append(errs, fmt.Errorf("stop its processes under the old name: %w", err))
	}
	p.routes.RemoveApp(old)
	p.routes.AddApp(new)
	if ds := p.domainsByApp()[new]; len(ds) > 0 {
		p.routes.SetDomains(new, ds)
	}
	if st.Maintenance {
		p.routes.SetMaintenance(new, true)
	}
	if st.HTTPSRedirect || st.HSTS {
		p.routes.SetHTTPS(new, st.HTTPSRedirect, st.HSTS)
	}
	if p.opts.Logs != nil {
		if err := p.opts.Logs.Rename(old, new); err != nil {
			errs = append(errs, fmt.Errorf("move its logs: %w", err))
		}
	}
	if err := p.moveAddons(ctx, a.ID, new, true); err != nil {
		errs = append(errs, fmt.Errorf("put its add-ons on the new network: %w", err))
	}
	// The new host's certificate is ordered; its custom domains keep
	// theirs; the old host's goes.
	if p.certs != nil {
		if err := p.certs.RenameApp(old, new); err != nil {
			errs = append(errs, fmt.Errorf("move its certificates: %w", err))
		}
	}
	p.wantCerts(new)
	if p.certs != nil {
		p.certs.Forget(old)
	}
	p.emit(new, "api", fmt.Sprintf("Renamed from %s to %s", old, new))
	if err := p.startRenamed(ctx, new); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		p.log.Error("renamed app is not fully in place", "app", new, "from", old, "err", err)
		return fmt.Errorf("app %s is renamed to %s, but: %w", old, new, err)
	}
	return nil
}

// startRenamed runs the renamed app's current release, if it has one to run.
func (p *Platform) startRenamed(ctx context.Context, app string) error {
	rel, err := p.store.CurrentRelease(app)
	if errors.Is(err, releases.ErrNotFound) {
		return nil // never deployed
	}
	if err != nil {
		return fmt.Errorf("read its current release: %w", err)
	}
	if rel.Image == "" { // config set before the first deploy: nothing to run
		return nil
	}
	spec, err := p.spec(rel)
	if err != nil {
		return fmt.Errorf("read its formation: %w", err)
	}
	if err := p.runner.Deploy(ctx, spec, io.Discard); err != nil {
		return fmt.Errorf("start its processes under the new name (run paasctl restart -a %s): %w", app, err)
	}
	return nil
}
