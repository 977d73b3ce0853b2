package platform

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/addons"
	"github.com/paas-dev/paas/internal/releases"
)

// AddonEngine runs add-ons' services (addons.Docker).
type AddonEngine interface {
	// Provision starts a's service, reachable by app's processes, and
	// returns once it accepts connections; on error nothing is left.
	Provision(ctx context.Context, a releases.Addon, app string, out io.Writer) error
	// Attach and Detach give app's processes the service, or take it away.
	Attach(ctx context.Context, a releases.Addon, app string) error
	Detach(ctx context.Context, a releases.Addon, app string) error
	// Destroy removes the service and its data.
	Destroy(ctx context.Context, a releases.Addon) error
	// Container names a's service container, whose output is a's log.
	Container(a releases.Addon) string
	// State is the engine's word for a's service: running, restarting,
	// exited, missing...
	State(ctx context.Context, a releases.Addon) (string, error)
}

// SetAddons wires the add-ons, follows their output into the streams of
// the apps they are attached to (those made by an earlier paasd too), and
// starts their backup schedule.
func (p *Platform) SetAddons(e AddonEngine) {
	p.addons = e
	adds, err := p.store.Addons()
	if err != nil {
		p.log.Error("list add-ons to follow their output", "err", err)
	}
	for _, add := range adds {
		for _, at := range add.Attachments {
			if a, err := p.store.AppByID(at.AppID); err == nil {
				p.followAddon(add, a.Name)
			}
		}
	}
	p.background.Add(1)
	go p.runBackupSchedule()
}

// followAddon puts add's output into app's log stream.
func (p *Platform) followAddon(add releases.Addon, app string) {
	if p.opts.Logs != nil {
		p.opts.Logs.AddonStarted(app, add.Name, p.addons.Container(add))
	}
}

// unfollowAddon takes add's output out of app's log stream.
func (p *Platform) unfollowAddon(add releases.Addon, app string) {
	if p.opts.Logs != nil {
		p.opts.Logs.AddonStopped(app, p.addons.Container(add))
	}
}

// attachmentName is a config var prefix: DATABASE for DATABASE_URL.
var attachmentName = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,59}$`)

// CreateAddon provisions the service req.Plan names for app and attaches
// it: the URL goes into the config var <NAME>_URL, a new release as any
// config change makes. NAME is req's, else the service's (DATABASE), else,
// when the app has that var already, the add-on's name.
func (p *Platform) CreateAddon(ctx context.Context, app string, req api.AddonRequest, actor string) (api.Addon, error) {
	if p.addons == nil {
		return api.Addon{}, errors.New("create add-on: add-ons are not wired in this paasd")
	}
	svc, err := addons.Lookup(req.Plan)
	if err != nil {
		return api.Addon{}, err
	}
	a, err := p.findApp(app)
	if err != nil {
		return api.Addon{}, err
	}
	as, err := p.attachmentFor(a, svc, req.Attachment.Name, "")
	if err != nil {
		return api.Addon{}, err
	}
	var pw, suffix [16]byte
	_, _ = rand.Read(pw[:]) // crypto/rand.Read never fails
	_, _ = rand.Read(suffix[:])
	add := releases.Addon{
		ID: releases.NewID(), Name: svc.Name + "-" + hex.EncodeToString(suffix[:3]), Service: svc.Name,
		AppID: a.ID, Password: hex.EncodeToString(pw[:]),
	}
	if as == "" {
		as = strings.ToUpper(strings.ReplaceAll(add.Name, "-", "_"))
	}
	add.Attachments = []releases.Attachment{{AppID: a.ID, Name: as}}
	p.emit(a.Name, "addon", fmt.Sprintf("Creating %s (%s)", add.Name, svc.Name))
	// Progress, such as the making of the service's image on first use,
	// goes to the app's stream, where addons:create shows it.
	progress := p.eventWriter(a.Name, api.AddonProvisionProcess)
	err = p.addons.Provision(ctx, add, a.Name, progress)
	progress.Flush()
	if err != nil {
		p.emit(a.Name, "addon", fmt.Sprintf("Creating %s failed: %v", add.Name, err))
		return api.Addon{}, err
	}
	if add, err = p.store.AddAddon(add); err != nil {
		_ = p.addons.Destroy(context.WithoutCancel(ctx), add)
		return api.Addon{}, err
	}
	url := addons.URL(add)
	if _, err := p.UpdateConfig(context.WithoutCancel(ctx), a.Name, api.ConfigUpdate{as + "_URL": &url}, actor); err != nil {
		p.log.Error("set the config var of a new add-on: it is removed", "app", a.Name, "addon", add.Name, "err", err)
		_ = p.store.RemoveAddon(add.Name)
		_ = p.addons.Destroy(context.WithoutCancel(ctx), add)
		return api.Addon{}, fmt.Errorf("create add-on: set %s_URL: %w", as, err)
	}
	p.followAddon(add, a.Name)
	p.log.Info("add-on created", "app", a.Name, "addon", add.Name, "service", svc.Name)
	p.emit(a.Name, "addon", fmt.Sprintf("Created %s as %s_URL", add.Name, as))
	return p.describeAddon(add, false), nil
}

// attachmentFor checks the config var prefix asked for on app a, or picks
// the service's; "" means the add-on's own name, decided by the caller. An
// asked-for name whose var is set already is refused, unless it is
// current's (the add-on being attached again).
func (p *Platform) attachmentFor(a releases.App, svc addons.Service, asked, current string) (string, error) {
	cfg, err := p.currentConfig(a.Name)
	if err != nil {
		return "", err
	}
	if asked != "" {
		asked = strings.ToUpper(strings.TrimSuffix(asked, "_URL"))
		if !attachmentName.MatchString(asked) {
			return "", fmt.Errorf("%w: attachment name %q: use capital letters, digits and underscores, starting with a letter (DATABASE gives DATABASE_URL)", releases.ErrInvalid, asked)
		}
		if _, taken := cfg[asked+"_URL"]; taken && asked != current {
			return "", fmt.Errorf("%w: %s already has %s_URL set: give another name with --as, or unset it first", releases.ErrExists, a.Name, asked)
		}
		return asked, nil
	}
	if _, taken := cfg[svc.Attachment+"_URL"]; taken {
		return "", nil
	}
	return svc.Attachment, nil
}

// currentConfig is the config of app's current release, empty before one.
func (p *Platform) currentConfig(app string) (map[string]string, error) {
	rel, err := p.store.CurrentRelease(app)
	if errors.Is(err, releases.ErrNotFound) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return rel.Config, nil
}

// Addons lists the app's add-ons, those it owns and those attached to it;
// app "" lists every add-on.
func (p *Platform) Addons(ctx context.Context, app string) ([]api.Addon, error) {
	all, err := p.store.Addons()
	if err != nil {
		return nil, err
	}
	var appID string
	if app != "" {
		a, err := p.findApp(app)
		if err != nil {
			return nil, err
		}
		appID = a.ID
	}
	out := []api.Addon{}
	for _, add := range all {
		if _, attached := add.AttachedTo(appID); appID == "" || add.AppID == appID || attached {
			out = append(out, p.withServiceState(ctx, add, p.describeAddon(add, false)))
		}
	}
	return out, nil
}

// Addon finds an add-on by its name or id; showURL adds its URL, which
// holds its password.
func (p *Platform) Addon(ctx context.Context, ident string, showURL bool) (api.Addon, error) {
	add, err := p.findAddon(ident)
	if err != nil {
		return api.Addon{}, err
	}
	return p.withServiceState(ctx, add, p.describeAddon(add, showURL)), nil
}

// withServiceState adds what the engine says of add's service; an engine
// that cannot answer leaves it out rather than fail the listing.
func (p *Platform) withServiceState(ctx context.Context, add releases.Addon, out api.Addon) api.Addon {
	if p.addons == nil {
		return out
	}
	st, err := p.addons.State(ctx, add)
	if err != nil {
		p.log.Warn("read add-on state", "addon", add.Name, "err", err)
		return out
	}
	out.ServiceState = st
	return out
}

func (p *Platform) findAddon(ident string) (releases.Addon, error) {
	all, err := p.store.Addons()
	if err != nil {
		return releases.Addon{}, err
	}
	for _, a := range all {
		if a.Name == ident || strings.EqualFold(a.ID, ident) {
			return a, nil
		}
	}
	return releases.Addon{}, fmt.Errorf("add-on %s: %w: run paasctl addons to list them", ident, releases.ErrNotFound)
}

// DestroyAddon detaches the add-on from every app, unsetting its config
// vars, then removes its service and, only then, its data.
func (p *Platform) DestroyAddon(ctx context.Context, ident, actor string) error {
	if p.addons == nil {
		return errors.New("destroy add-on: add-ons are not wired in this paasd")
	}
	add, err := p.findAddon(ident)
	if err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx) // seen through once begun
	for _, at := range add.Attachments {
		if err := p.detach(ctx, add, at, actor, true); err != nil {
			return fmt.Errorf("destroy add-on %s: %w", add.Name, err)
		}
	}
	if err := p.addons.Destroy(ctx, add); err != nil {
		return err
	}
	if err := p.store.RemoveAddon(add.Name); err != nil {
		return err
	}
	p.removeBackups(add)
	p.log.Info("add-on destroyed", "addon", add.Name)
	return nil
}

// detach takes the attachment at away: its config var unset (when
// unsetVar and the app still has it) and the service off the app's
// network, and out of the ledger's record.
func (p *Platform) detach(ctx context.Context, add releases.Addon, at releases.Attachment, actor string, unsetVar bool) error {
	a, err := p.store.AppByID(at.AppID)
	if err == nil {
		if unsetVar {
			cfg, err := p.currentConfig(a.Name)
			if err != nil {
				return err
			}
			if _, ok := cfg[at.Name+"_URL"]; ok {
				if _, err := p.UpdateConfig(ctx, a.Name, api.ConfigUpdate{at.Name + "_URL": nil}, actor); err != nil {
					return fmt.Errorf("unset %s_URL on %s, so %s stays attached: %w", at.Name, a.Name, add.Name, err)
				}
			}
		}
		if err := p.addons.Detach(ctx, add, a.Name); err != nil {
			return err
		}
		p.unfollowAddon(add, a.Name)
		p.emit(a.Name, "addon", fmt.Sprintf("Detached %s (%s_URL)", add.Name, at.Name))
	} else if !errors.Is(err, releases.ErrNotFound) {
		return err
	}
	_, err = p.store.UpdateAddon(add.Name, func(x *releases.Addon) error {
		x.Attachments = deleteAttachment(x.Attachments, at.AppID)
		return nil
	})
	return err
}

func deleteAttachment(ats []releases.Attachment, appID string) []releases.Attachment {
	out := ats[:0:0]
	for _, at := range ats {
		if at.AppID != appID {
			out = append(out, at)
		}
	}
	return out
}

// describeAddon is add as the API shows it.
func (p *Platform) describeAddon(add releases.Addon, showURL bool) api.Addon {
	out := api.Addon{
		ID: add.ID, Name: add.Name, AddonService: api.NameRef{Name: add.Service}, Plan: api.NameRef{Name: add.Service},
		App: api.IDRef{ID: add.AppID}, State: "provisioned", ConfigVars: []string{}, Attachments: []api.AddonAttachment{},
		CreatedAt: add.CreatedAt, UpdatedAt: add.CreatedAt, BackupAt: add.BackupAt,
	}
	for _, at := range add.Attachments {
		name := at.AppID
		if a, err := p.store.AppByID(at.AppID); err == nil {
			name = a.Name
		}
		if at.AppID == add.AppID {
			out.ConfigVars = append(out.ConfigVars, at.Name+"_URL")
		}
		out.Attachments = append(out.Attachments, api.AddonAttachment{
			ID:   releases.ChildID(add.ID, "attachment", at.AppID),
			Name: at.Name, App: api.NameRef{ID: at.AppID, Name: name}, Addon: api.NameRef{ID: add.ID, Name: add.Name},
		})
	}
	if showURL {
		out.URL = addons.URL(add)
	}
	return out
}

// addonsOf are the add-ons app (by id) owns or is attached to.
func (p *Platform) addonsOf(appID string) ([]releases.Addon, error) {
	all, err := p.store.Addons()
	if err != nil {
		return nil, err
	}
	var out []releases.Addon
	for _, a := range all {
		if _, ok := a.AttachedTo(appID); ok || a.AppID == appID {
			out = append(out, a)
		}
	}
	return out, nil
}

// releaseAddons, at app's destroy (its lock held), destroys the add-ons it
// owns, unsetting their vars on the other apps attached, and detaches it
// from the others, before its network goes.
func (p *Platform) releaseAddons(ctx context.Context, app releases.App) error {
	if p.addons == nil {
		return nil
	}
	adds, err := p.addonsOf(app.ID)
	if err != nil {
		return err
	}
	for _, add := range adds {
		if add.AppID != app.ID {
			at, _ := add.AttachedTo(app.ID)
			if err := p.detach(ctx, add, at, "paas", false); err != nil {
				return err
			}
			continue
		}
		for _, at := range add.Attachments {
			if at.AppID != app.ID {
				if err := p.detach(ctx, add, at, "paas", true); err != nil {
					return err
				}
			}
		}
		if err := p.addons.Destroy(ctx, add); err != nil {
			return err
		}
		if err := p.store.RemoveAddon(add.Name); err != nil {
			return err
		}
		p.removeBackups(add)
		p.log.Info("add-on destroyed with its app", "app", app.Name, "addon", add.Name)
	}
	return nil
}

// moveAddons, at a rename, takes the app's add-ons off its old network
// (before it goes) or puts them on the new one.
func (p *Platform) moveAddons(ctx context.Context, appID, app string, attach bool) error {
	if p.addons == nil {
		return nil
	}
	adds, err := p.addonsOf(appID)
	if err != nil {
		return err
	}
	var errs []error
	for _, add := range adds {
		if attach {
			err := p.addons.Attach(ctx, add, app)
			if err == nil {
				p.followAddon(add, app)
			}
			errs = append(errs, err)
		} else {
			errs = append(errs, p.addons.Detach(ctx, add, app))
		}
	}
	return errors.Join(errs...)
}

// AttachAddon gives app the add-on ident too, as the config var
// <as>_URL (the service's usual name when free, else the add-on's).
func (p *Platform) AttachAddon(ctx context.Context, ident, app, as, actor string) (api.Addon, error) {
	add, a, err := p.addonAndApp("attach", ident, app)
	if err != nil {
		return api.Addon{}, err
	}
	if at, ok := add.AttachedTo(a.ID); ok {
		return api.Addon{}, fmt.Errorf("%w: %s is attached to %s already, as %s_URL", releases.ErrExists, add.Name, a.Name, at.Name)
	}
	svc, err := addons.Lookup(add.Service)
	if err != nil {
		return api.Addon{}, err
	}
	if as, err = p.attachmentFor(a, svc, as, ""); err != nil {
		return api.Addon{}, err
	}
	if as == "" {
		as = strings.ToUpper(strings.ReplaceAll(add.Name, "-", "_"))
	}
	if err := p.addons.Attach(ctx, add, a.Name); err != nil {
		return api.Addon{}, err
	}
	if add, err = p.store.UpdateAddon(add.Name, func(x *releases.Addon) error {
		x.Attachments = append(x.Attachments, releases.Attachment{AppID: a.ID, Name: as})
		return nil
	}); err != nil {
		_ = p.addons.Detach(context.WithoutCancel(ctx), add, a.Name)
		return api.Addon{}, err
	}
	url := addons.URL(add)
	if _, err := p.UpdateConfig(context.WithoutCancel(ctx), a.Name, api.ConfigUpdate{as + "_URL": &url}, actor); err != nil {
		at, _ := add.AttachedTo(a.ID)
		_ = p.detach(context.WithoutCancel(ctx), add, at, actor, false)
		return api.Addon{}, fmt.Errorf("attach add-on %s: set %s_URL: %w", add.Name, as, err)
	}
	p.followAddon(add, a.Name)
	p.emit(a.Name, "addon", fmt.Sprintf("Attached %s as %s_URL", add.Name, as))
	return p.describeAddon(add, false), nil
}

// DetachAddon takes the add-on ident away from app, unsetting its config
// var; its owner's attachment stays: destroy the add-on instead.
func (p *Platform) DetachAddon(ctx context.Context, ident, app, actor string) (api.Addon, error) {
	add, a, err := p.addonAndApp("detach", ident, app)
	if err != nil {
		return api.Addon{}, err
	}
	at, ok := add.AttachedTo(a.ID)
	if !ok {
		return api.Addon{}, fmt.Errorf("add-on %s is not attached to %s: %w", add.Name, a.Name, releases.ErrNotFound)
	}
	if add.AppID == a.ID {
		return api.Addon{}, fmt.Errorf("%w: %s owns %s: destroy it instead (paasctl addons:destroy %s --confirm %s)", releases.ErrInvalid, a.Name, add.Name, add.Name, add.Name)
	}
	if err := p.detach(context.WithoutCancel(ctx), add, at, actor, true); err != nil {
		return api.Addon{}, err
	}
	add, err = p.findAddon(add.Name)
	if err != nil {
		return api.Addon{}, err
	}
	return p.describeAddon(add, false), nil
}

// addonAndApp finds the add-on and the app an attach or a detach is about.
func (p *Platform) addonAndApp(verb, ident, app string) (releases.Addon, releases.App, error) {
	if p.addons == nil {
		return releases.Addon{}, releases.App{}, fmt.Errorf("%s add-on: add-ons are not wired in this paasd", verb)
	}
	add, err := p.findAddon(ident)
	if err != nil {
		return releases.Addon{}, releases.App{}, err
	}
	a, err := p.findApp(app)
	if err != nil {
		return releases.Addon{}, releases.App{}, err
	}
	return add, a, nil
}

// removeBackups deletes a destroyed add-on's backup files.
func (p *Platform) removeBackups(add releases.Addon) {
	p.stateDirs()
	if err := os.RemoveAll(filepath.Join(p.opts.BackupDir, add.ID)); err != nil {
		p.log.Warn("remove the backups of a destroyed add-on", "addon", add.Name, "err", err)
	}
}
