package apiservertest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// CreateAddon records an add-on named <service>-<n>, attached as the
// service's usual var; the fake runs nothing.
func (p *Platform) CreateAddon(_ context.Context, app string, req api.AddonRequest, _ string) (api.Addon, error) {
	err := p.enter(Call{Method: "CreateAddon", App: app, Plan: req.Plan})
	defer p.mu.Unlock()
	if err != nil {
		return api.Addon{}, err
	}
	service, as := "", req.Attachment.Name
	switch strings.ToLower(req.Plan) {
	case "postgres", "heroku-postgresql":
		service = "postgres"
		if as == "" {
			as = "DATABASE"
		}
	case "redis":
		service = "redis"
		if as == "" {
			as = "REDIS"
		}
	default:
		return api.Addon{}, fmt.Errorf("%w: no add-on service %q: paas provides postgres and redis", releases.ErrInvalid, req.Plan)
	}
	n := len(p.addons) + 1
	a := api.Addon{
		ID: releases.ChildID(p.apps[app].ID, "addon", fmt.Sprint(n)), Name: fmt.Sprintf("%s-%d", service, n),
		AddonService: api.NameRef{Name: service}, Plan: api.NameRef{Name: service}, App: api.IDRef{ID: p.apps[app].ID},
		State: "provisioned", ConfigVars: []string{as + "_URL"}, CreatedAt: time.Date(2026, 12, 3, 10, n, 0, 0, time.UTC),
	}
	a.UpdatedAt = a.CreatedAt
	a.Attachments = []api.AddonAttachment{{Name: as, App: api.NameRef{ID: a.App.ID, Name: app}, Addon: api.NameRef{ID: a.ID, Name: a.Name}}}
	p.addons = append(p.addons, a)
	return a, nil
}

// Addons lists the app's add-ons, or every one for "".
func (p *Platform) Addons(_ context.Context, app string) ([]api.Addon, error) {
	err := p.enter(Call{Method: "Addons", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := []api.Addon{}
	for _, a := range p.addons {
		if app == "" || a.App.ID == p.apps[app].ID {
			out = append(out, a)
		}
	}
	return out, nil
}

// Addon finds an add-on by name or id; its URL is fake.
func (p *Platform) Addon(_ context.Context, ident string, showURL bool) (api.Addon, error) {
	err := p.enter(Call{Method: "Addon", Addon: ident})
	defer p.mu.Unlock()
	if err != nil {
		return api.Addon{}, err
	}
	i := slices.IndexFunc(p.addons, func(a api.Addon) bool { return a.Name == ident || a.ID == ident })
	if i < 0 {
		return api.Addon{}, fmt.Errorf("add-on %s: %w", ident, releases.ErrNotFound)
	}
	a := p.addons[i]
	if showURL {
		a.URL = "postgres://user:secret@" + a.Name + ":5432/db"
	}
	return a, nil
}

// DestroyAddon forgets an add-on.
func (p *Platform) DestroyAddon(_ context.Context, ident, _ string) error {
	err := p.enter(Call{Method: "DestroyAddon", Addon: ident})
	defer p.mu.Unlock()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.addons, func(a api.Addon) bool { return a.Name == ident || a.ID == ident })
	if i < 0 {
		return fmt.Errorf("add-on %s: %w", ident, releases.ErrNotFound)
	}
	p.addons = slices.Delete(p.addons, i, i+1)
	return nil
}

// AttachAddon adds an attachment to app.
func (p *Platform) AttachAddon(_ context.Context, ident, app, as, _ string) (api.Addon, error) {
	err := p.enter(Call{Method: "AttachAddon", App: app, Addon: ident})
	defer p.mu.Unlock()
	if err != nil {
		return api.Addon{}, err
	}
	i := slices.IndexFunc(p.addons, func(a api.Addon) bool { return a.Name == ident || a.ID == ident })
	if i < 0 {
		return api.Addon{}, fmt.Errorf("add-on %s: %w", ident, releases.ErrNotFound)
	}
	if as == "" {
		as = "DATABASE"
	}
	a := &p.addons[i]
	a.Attachments = append(a.Attachments, api.AddonAttachment{ID: releases.ChildID(a.ID, "attachment", app), Name: as,
		App: api.NameRef{ID: p.apps[app].ID, Name: app}, Addon: api.NameRef{ID: a.ID, Name: a.Name}})
	return *a, nil
}

// DetachAddon removes app's attachment.
func (p *Platform) DetachAddon(_ context.Context, ident, app, _ string) (api.Addon, error) {
	err := p.enter(Call{Method: "DetachAddon", App: app, Addon: ident})
	defer p.mu.Unlock()
	if err != nil {
		return api.Addon{}, err
	}
	i := slices.IndexFunc(p.addons, func(a api.Addon) bool { return a.Name == ident || a.ID == ident })
	if i < 0 {
		return api.Addon{}, fmt.Errorf("add-on %s: %w", ident, releases.ErrNotFound)
	}
	a := &p.addons[i]
	j := slices.IndexFunc(a.Attachments, func(at api.AddonAttachment) bool { return at.App.Name == app })
	if j < 0 {
		return api.Addon{}, fmt.Errorf("add-on %s is not attached to %s: %w", ident, app, releases.ErrNotFound)
	}
	a.Attachments = slices.Delete(a.Attachments, j, j+1)
	return *a, nil
}

// CaptureBackup records a backup of a few bytes, "dump".
func (p *Platform) CaptureBackup(_ context.Context, addon string) (api.Backup, error) {
	err := p.enter(Call{Method: "CaptureBackup", Addon: addon})
	defer p.mu.Unlock()
	if err != nil {
		return api.Backup{}, err
	}
	if !slices.ContainsFunc(p.addons, func(a api.Addon) bool { return a.Name == addon }) {
		return api.Backup{}, fmt.Errorf("add-on %s: %w", addon, releases.ErrNotFound)
	}
	if p.backups == nil {
		p.backups = map[string][]api.Backup{}
	}
	b := api.Backup{ID: fmt.Sprintf("b%d", len(p.backups[addon])+1), Addon: api.NameRef{Name: addon}, Size: 4,
		CreatedAt: time.Date(2026, 12, 3, 11, len(p.backups[addon]), 0, 0, time.UTC)}
	p.backups[addon] = append(p.backups[addon], b)
	return b, nil
}

// Backups lists the add-on's backups.
func (p *Platform) Backups(_ context.Context, addon string) ([]api.Backup, error) {
	err := p.enter(Call{Method: "Backups", Addon: addon})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return append([]api.Backup{}, p.backups[addon]...), nil
}

func (p *Platform) backup(addon, id string) (api.Backup, error) {
	bs := p.backups[addon]
	if len(bs) > 0 && (id == "latest" || id == "") {
		return bs[len(bs)-1], nil
	}
	for _, b := range bs {
		if b.ID == id {
			return b, nil
		}
	}
	return api.Backup{}, fmt.Errorf("backup %s of %s: %w", id, addon, releases.ErrNotFound)
}

// OpenBackup answers "dump".
func (p *Platform) OpenBackup(_ context.Context, addon, id string) (io.ReadCloser, api.Backup, error) {
	err := p.enter(Call{Method: "OpenBackup", Addon: addon})
	defer p.mu.Unlock()
	if err != nil {
		return nil, api.Backup{}, err
	}
	b, err := p.backup(addon, id)
	if err != nil {
		return nil, api.Backup{}, err
	}
	return io.NopCloser(strings.NewReader("dump")), b, nil
}

// RestoreBackup finds the backup and does nothing.
func (p *Platform) RestoreBackup(_ context.Context, addon, id string) (api.Backup, error) {
	err := p.enter(Call{Method: "RestoreBackup", Addon: addon})
	defer p.mu.Unlock()
	if err != nil {
		return api.Backup{}, err
	}
	return p.backup(addon, id)
}

// SetBackupSchedule keeps the time.
func (p *Platform) SetBackupSchedule(_ context.Context, addon, at string) (api.Addon, error) {
	err := p.enter(Call{Method: "SetBackupSchedule", Addon: addon})
	defer p.mu.Unlock()
	if err != nil {
		return api.Addon{}, err
	}
	i := slices.IndexFunc(p.addons, func(a api.Addon) bool { return a.Name == addon })
	if i < 0 {
		return api.Addon{}, fmt.Errorf("add-on %s: %w", addon, releases.ErrNotFound)
	}
	p.addons[i].BackupAt = at
	return p.addons[i], nil
}

// AddonConsole answers command as "<addon>> <command>" on stdout, or, with
// none, echoes stdin; it exits 0, or 1 for the command "fail".
func (p *Platform) AddonConsole(_ context.Context, addon, command string, stdin io.Reader, stdout, _ io.Writer) (int, error) {
	err := p.enter(Call{Method: "AddonConsole", Addon: addon})
	found := slices.ContainsFunc(p.addons, func(a api.Addon) bool { return a.Name == addon })
	p.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("add-on %s: %w", addon, releases.ErrNotFound)
	}
	if command != "" {
		_, err := fmt.Fprintf(stdout, "%s> %s\n", addon, command)
		if command == "fail" {
			return 1, err
		}
		return 0, err
	}
	_, err = io.Copy(stdout, stdin)
	return 0, err
}
