package platform

import (
	"context"
	"fmt"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/certs"
	"github.com/paas-dev/paas/internal/releases"
)

// Certs keeps the apps' automatic certificates (certs.Manager).
type Certs interface {
	// SetHosts makes hosts the names app wants certificates for; nil
	// stops ordering them.
	SetHosts(app string, hosts []string)
	// Forget drops app's certificates: the app is gone or renamed.
	Forget(app string)
	Refresh(app string)
	Status(app string) []certs.Status
}

// errNoACME is the answer while no CA is configured.
var errNoACME = fmt.Errorf("%w: automatic certificates need an ACME account: set PAAS_ACME_EMAIL (and PAAS_ROUTER_TLS_ADDR for the HTTPS listener) and restart paasd", releases.ErrInvalid)

// SetCerts wires the automatic certificates, and asks for those of every
// app that has them on.
func (p *Platform) SetCerts(c Certs) {
	p.certs = c
	apps, err := p.store.Apps()
	if err != nil {
		p.log.Error("list apps to renew their certificates", "err", err)
		return
	}
	for _, a := range apps {
		p.wantCerts(a.Name)
	}
}

// certHosts are the names app's certificates cover: its own host and its
// custom domains.
func (p *Platform) certHosts(app string) ([]string, error) {
	ds, err := p.store.Domains(app)
	if err != nil {
		return nil, err
	}
	return append([]string{app + "." + p.opts.Domain}, ds...), nil
}

// wantCerts tells the certificates which hosts app wants: its hosts when it
// has automatic certificates on, none when off. Called with the app's lock
// held, or at start.
func (p *Platform) wantCerts(app string) {
	if p.certs == nil {
		return
	}
	st, err := p.store.Settings(app)
	if err != nil {
		p.log.Error("read an app's settings for its certificates", "app", app, "err", err)
		return
	}
	if !st.ACM {
		p.certs.SetHosts(app, nil)
		return
	}
	hosts, err := p.certHosts(app)
	if err != nil {
		p.log.Error("read an app's hosts for its certificates", "app", app, "err", err)
		return
	}
	p.certs.SetHosts(app, hosts)
}

// SetACM turns app's automatic certificates on or off (Heroku's ACM).
func (p *Platform) SetACM(ctx context.Context, app string, on bool) (api.App, error) {
	if p.certs == nil {
		return api.App{}, errNoACME
	}
	if err := releases.ValidateAppName(app); err != nil {
		return api.App{}, err
	}
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		return api.App{}, err
	}
	_, err = p.store.UpdateSettings(app, func(st *releases.Settings) error {
		st.ACM = on
		return nil
	})
	if err == nil {
		p.wantCerts(app)
	}
	unlock()
	if err != nil {
		return api.App{}, err
	}
	if on {
		p.emit(app, "api", "Automatic certificates enabled")
	} else {
		p.emit(app, "api", "Automatic certificates disabled")
	}
	return p.App(ctx, app)
}

// RefreshACM orders app's certificates again now.
func (p *Platform) RefreshACM(ctx context.Context, app string) (api.App, error) {
	if p.certs == nil {
		return api.App{}, errNoACME
	}
	st, err := p.store.Settings(app)
	if err != nil {
		return api.App{}, err
	}
	if !st.ACM {
		return api.App{}, fmt.Errorf("%w: %s has automatic certificates off: turn them on with paasctl certs:auto:enable -a %s", releases.ErrInvalid, app, app)
	}
	p.certs.Refresh(app)
	return p.App(ctx, app)
}

// CertStatus is the state of app's automatic certificates, a host each.
func (p *Platform) CertStatus(_ context.Context, app string) ([]api.CertStatus, error) {
	if _, err := p.store.App(app); err != nil {
		return nil, err
	}
	out := []api.CertStatus{}
	if p.certs == nil {
		return out, nil
	}
	for _, s := range p.certs.Status(app) {
		cs := api.CertStatus{Hostname: s.Host, Status: s.Status, Reason: s.Reason}
		if !s.NotAfter.IsZero() {
			at := s.NotAfter
			cs.ExpiresAt = &at
		}
		if !s.NextAttempt.IsZero() {
			at := s.NextAttempt
			cs.NextAttemptAt = &at
		}
		out = append(out, cs)
	}
	return out, nil
}
