package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// CreateApp registers a new app; it is routed (503 until deployed) at once.
func (p *Platform) CreateApp(ctx context.Context, name string) (api.App, error) {
	app, err := p.store.CreateApp(name)
	if err != nil {
		return api.App{}, err
	}
	if p.opts.Logs != nil {
		p.opts.Logs.Know(name)
	}
	p.routes.AddApp(name)
	p.log.Info("app created", "app", name)
	return p.describe(ctx, app)
}

// Apps lists every app.
func (p *Platform) Apps(ctx context.Context) ([]api.App, error) {
	apps, err := p.store.Apps()
	if err != nil {
		return nil, err
	}
	out := make([]api.App, 0, len(apps))
	for _, a := range apps {
		d, err := p.describe(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// App describes one app, found by its name or its id, with its running
// processes.
func (p *Platform) App(ctx context.Context, ident string) (api.App, error) {
	app, err := p.findApp(ident)
	if err != nil {
		return api.App{}, err
	}
	return p.describe(ctx, app)
}

// findApp finds an app by its id (a UUID) or its name.
func (p *Platform) findApp(ident string) (releases.App, error) {
	if releases.IsUUID(ident) {
		return p.store.AppByID(strings.ToLower(ident))
	}
	if err := releases.ValidateAppName(ident); err != nil {
		return releases.App{}, err
	}
	return p.store.App(ident)
}

// Account is the API token's owner.
func (p *Platform) Account(context.Context) (api.Account, error) {
	return p.opts.Account, nil
}

// UpdateApp changes what u gives of the app: its name (see RenameApp), then
// its maintenance mode.
func (p *Platform) UpdateApp(ctx context.Context, name string, u api.AppUpdate) (api.App, error) {
	if err := releases.ValidateAppName(name); err != nil {
		return api.App{}, err
	}
	if u.BuildStack != nil && *u.BuildStack != api.ContainerStack.Name {
		return api.App{}, fmt.Errorf("%w: build_stack %q: paas has one stack, %q", releases.ErrInvalid, *u.BuildStack, api.ContainerStack.Name)
	}
	if u.Name != nil && *u.Name != name {
		if err := p.RenameApp(ctx, name, *u.Name); err != nil {
			return api.App{}, err
		}
		name = *u.Name
	}
	if u.Maintenance != nil {
		unlock, err := p.lockApp(ctx, name)
		if err != nil {
			return api.App{}, err
		}
		_, err = p.store.UpdateSettings(name, func(st *releases.Settings) error {
			st.Maintenance = *u.Maintenance
			return nil
		})
		if err == nil {
			p.routes.SetMaintenance(name, *u.Maintenance)
		}
		unlock()
		if err != nil {
			return api.App{}, err
		}
		state := "off"
		if *u.Maintenance {
			state = "on"
		}
		p.emit(name, "api", "Maintenance mode "+state)
	}
	return p.App(ctx, name)
}

// AppID tells the git server whether pushes to name are accepted, and which
// app they started for: "" when there is no app called name.
func (p *Platform) AppID(_ context.Context, name string) (string, error) {
	a, err := p.store.App(name)
	if errors.Is(err, releases.ErrNotFound) {
		return "", nil
	}
	return a.ID, err
}

// AppExists tells the git server whether pushes to name are accepted.
func (p *Platform) AppExists(_ context.Context, name string) (bool, error) {
	_, err := p.store.App(name)
	if errors.Is(err, releases.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// destroyTimeout bounds a destroy: stopping processes (their grace period)
// and removing images.
const destroyTimeout = 5 * time.Minute

// DestroyApp stops the app's processes and removes its images, repository and
// ledger entries. The ledger goes last so a failure part-way can be retried.
func (p *Platform) DestroyApp(ctx context.Context, name string) error {
	if err := releases.ValidateAppName(name); err != nil {
		return err
	}
	unlock, err := p.lockApp(ctx, name)
	if err != nil {
		return err
	}
	defer unlock()
	app, err := p.store.App(name)
	if err != nil {
		return err
	}
	// First: the app's builds stop and its pending work (a push waiting for
	// this lock, a release watch) gives up rather than act on the app of
	// the same name that may be created next.
	p.work.end(app.ID)
	// Seen through even if the caller goes away: a half-destroyed app would
	// be unrouted but still listed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), destroyTimeout)
	defer cancel()
	// Before its network goes with its processes.
	if err := p.releaseAddons(ctx, app); err != nil {
		return fmt.Errorf("destroy app %s: its add-ons: %w", name, err)
	}
	if err := p.runner.StopApp(ctx, name); err != nil {
		return fmt.Errorf("destroy app %s: stop processes: %w", name, err)
	}
	// After StopApp, which leaves the app routed with no backends.
	p.routes.RemoveApp(name)
	if err := p.removeImages(ctx, name); err != nil {
		return fmt.Errorf("destroy app %s: %w", name, err)
	}
	if p.repos != nil {
		if err := p.repos.RemoveRepo(ctx, name); err != nil {
			return fmt.Errorf("destroy app %s: remove repository: %w", name, err)
		}
	}
	hosts, _ := p.certHosts(name) // for its certificates, below
	if err := p.store.DestroyApp(name); err != nil {
		return fmt.Errorf("destroy app %s: %w", name, err)
	}
	if p.opts.Logs != nil {
		p.opts.Logs.Forget(name)
	}
	if p.certs != nil {
		p.certs.Destroyed(name, hosts)
	}
	p.builds.forget(app.ID)
	if err := os.RemoveAll(filepath.Join(p.buildLogDir(), app.ID)); err != nil {
		p.log.Warn("remove the build outputs of a destroyed app", "app", name, "err", err)
	}
	p.log.Info("app destroyed", "app", name)
	return nil
}

func (p *Platform) describe(ctx context.Context, a releases.App) (api.App, error) {
	out := api.App{
		ID:             a.ID,
		Name:           a.Name,
		CreatedAt:      a.CreatedAt,
		UpdatedAt:      a.CreatedAt,
		WebURL:         p.opts.WebURL(a.Name),
		GitURL:         p.opts.GitURL(a.Name),
		Owner:          api.AccountRef{ID: p.opts.Account.ID, Email: p.opts.Account.Email},
		Region:         api.LocalRegion,
		Stack:          api.ContainerStack,
		BuildStack:     api.ContainerStack,
		CurrentRelease: a.CurrentVersion,
		Processes:      []api.Process{},
	}
	if a.CurrentVersion > 0 {
		rel, err := p.store.Release(a.Name, a.CurrentVersion)
		if err != nil {
			return api.App{}, fmt.Errorf("describe app %s: %w", a.Name, err)
		}
		out.Commit = rel.Commit
		at := rel.CreatedAt
		out.ReleasedAt = &at
		if at.After(out.UpdatedAt) {
			out.UpdatedAt = at
		}
	}
	st, err := p.store.Settings(a.Name)
	if err != nil {
		return api.App{}, fmt.Errorf("describe app %s: %w", a.Name, err)
	}
	out.Maintenance = st.Maintenance
	out.ACM = st.ACM
	procs, err := p.runner.Processes(ctx, a.Name)
	if err != nil {
		return api.App{}, fmt.Errorf("describe app %s: list processes: %w", a.Name, err)
	}
	for _, pr := range procs {
		out.Processes = append(out.Processes, toAPIProcess(a, pr, p.limitOf(st, pr.Type).Memory))
	}
	return out, nil
}

// removeImages removes every image built for app, as the ledger records
// them, but for those another app's kept releases use.
func (p *Platform) removeImages(ctx context.Context, app string) error {
	builds, err := p.store.Builds(app)
	if err != nil {
		return err
	}
	elsewhere, err := p.keptImages(app)
	if err != nil {
		return err
	}
	for _, b := range builds {
		if elsewhere[b.Image] {
			continue
		}
		if err := p.images.Remove(ctx, b.Tag, b.Image); err != nil {
			return err
		}
	}
	return nil
}
