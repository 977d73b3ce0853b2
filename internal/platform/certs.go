package platform

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	// ACME says whether a CA is configured; without one only users'
	// certificates are served.
	ACME() bool
	// A user's own certificates, by app: added, removed, listed, moved at
	// a rename, dropped at a destroy (with the CA's).
	AddUserCert(app string, chainPEM, keyPEM []byte) (certs.UserCert, error)
	RemoveUserCert(app, name string) error
	UserCerts(app string) []certs.UserCert
	RenameApp(old, new string) error
	Destroyed(app string, hosts []string)
	// ForgetHosts removes the certificates of hosts no app has any more.
	ForgetHosts(hosts ...string)
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
	if p.certs == nil || on && !p.certs.ACME() {
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
	if p.certs == nil || !p.certs.ACME() {
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

// errNoTLS is the answer to a certificate without a TLS listener to serve it.
var errNoTLS = fmt.Errorf("%w: certificates are served on the router's TLS listener: set PAAS_ROUTER_TLS_ADDR (e.g. 0.0.0.0:443) and restart paasd", releases.ErrInvalid)

// AddCert serves a user's certificate (chain and key, PEM) for the names it
// covers, as app's: Heroku's SNI endpoint, the only way to a wildcard.
func (p *Platform) AddCert(_ context.Context, app, chainPEM, keyPEM string) (api.SNIEndpoint, error) {
	if p.certs == nil {
		return api.SNIEndpoint{}, errNoTLS
	}
	a, err := p.store.App(app)
	if err != nil {
		return api.SNIEndpoint{}, err
	}
	u, err := p.certs.AddUserCert(app, []byte(chainPEM), []byte(keyPEM))
	if err != nil {
		if errors.Is(err, certs.ErrInvalidCert) {
			return api.SNIEndpoint{}, fmt.Errorf("%w: %v", releases.ErrInvalid, err)
		}
		return api.SNIEndpoint{}, err
	}
	p.emit(app, "api", fmt.Sprintf("Added certificate %s for %s", u.Name, strings.Join(u.Names, ", ")))
	return p.sniEndpoint(a, u)
}

// Certs lists app's own certificates.
func (p *Platform) Certs(_ context.Context, app string) ([]api.SNIEndpoint, error) {
	a, err := p.store.App(app)
	if err != nil {
		return nil, err
	}
	out := []api.SNIEndpoint{}
	if p.certs == nil {
		return out, nil
	}
	for _, u := range p.certs.UserCerts(app) {
		e, err := p.sniEndpoint(a, u)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// RemoveCert stops serving app's certificate name.
func (p *Platform) RemoveCert(_ context.Context, app, name string) error {
	if _, err := p.store.App(app); err != nil {
		return err
	}
	if p.certs == nil {
		return fmt.Errorf("certificate %s: %w", name, releases.ErrNotFound)
	}
	if err := p.certs.RemoveUserCert(app, name); err != nil {
		if errors.Is(err, certs.ErrNoCert) {
			return fmt.Errorf("%w: %v", releases.ErrNotFound, err)
		}
		return err
	}
	p.emit(app, "api", "Removed certificate "+name)
	return nil
}

// sniEndpoint is u in Heroku's shape, with the app's hosts it serves.
func (p *Platform) sniEndpoint(a releases.App, u certs.UserCert) (api.SNIEndpoint, error) {
	hosts, err := p.certHosts(a.Name)
	if err != nil {
		return api.SNIEndpoint{}, err
	}
	e := api.SNIEndpoint{ID: u.Name, Name: u.Name, CertificateChain: u.Chain, App: api.NamedRef{ID: a.ID, Name: a.Name},
		Domains: []string{}, CreatedAt: u.Added, UpdatedAt: u.Added,
		SSLCert: api.SSLCert{CertDomains: u.Names, ExpiresAt: u.NotAfter, Issuer: u.Issuer}}
	for _, h := range hosts {
		if u.Covers(h) {
			e.Domains = append(e.Domains, h)
		}
	}
	return e, nil
}
