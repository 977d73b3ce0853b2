package apiservertest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// SetACM keeps the app's acm flag.
func (p *Platform) SetACM(_ context.Context, app string, on bool) (api.App, error) {
	err := p.enter(Call{Method: "SetACM", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return api.App{}, err
	}
	a := p.apps[app]
	a.ACM = on
	p.apps[app] = a
	return a, nil
}

// RefreshACM refuses an app with automatic certificates off.
func (p *Platform) RefreshACM(_ context.Context, app string) (api.App, error) {
	err := p.enter(Call{Method: "RefreshACM", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return api.App{}, err
	}
	if !p.apps[app].ACM {
		return api.App{}, fmt.Errorf("%w: %s has automatic certificates off", releases.ErrInvalid, app)
	}
	return p.apps[app], nil
}

// CertStatus answers the app's own host as issued, its custom domains as
// pending, when automatic certificates are on.
func (p *Platform) CertStatus(_ context.Context, app string) ([]api.CertStatus, error) {
	err := p.enter(Call{Method: "CertStatus", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := []api.CertStatus{}
	if !p.apps[app].ACM {
		return out, nil
	}
	exp := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	out = append(out, api.CertStatus{Hostname: app + ".localhost", Status: "issued", ExpiresAt: &exp})
	for _, d := range p.domains[app] {
		out = append(out, api.CertStatus{Hostname: d, Status: "failing", Reason: "DNS problem: NXDOMAIN looking up A for " + d})
	}
	return out, nil
}

// AddCert keeps the chain under a name made from its length; a chain
// without "BEGIN CERTIFICATE" is refused as invalid.
func (p *Platform) AddCert(_ context.Context, app, chainPEM, keyPEM string) (api.SNIEndpoint, error) {
	err := p.enter(Call{Method: "AddCert", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return api.SNIEndpoint{}, err
	}
	if !strings.Contains(chainPEM, "BEGIN CERTIFICATE") || !strings.Contains(keyPEM, "PRIVATE KEY") {
		return api.SNIEndpoint{}, fmt.Errorf("%w: invalid certificate: give the PEM certificate and its PEM private key", releases.ErrInvalid)
	}
	if p.certs == nil {
		p.certs = map[string][]api.SNIEndpoint{}
	}
	e := api.SNIEndpoint{ID: fmt.Sprintf("sni-%08d", len(chainPEM)), Name: fmt.Sprintf("sni-%08d", len(chainPEM)), CertificateChain: chainPEM,
		App: api.NamedRef{ID: p.apps[app].ID, Name: app}, Domains: []string{},
		SSLCert: api.SSLCert{CertDomains: []string{"*.example.com"}, ExpiresAt: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), Issuer: "Test CA"}}
	p.certs[app] = append(p.certs[app], e)
	return e, nil
}

// Certs lists what AddCert kept.
func (p *Platform) Certs(_ context.Context, app string) ([]api.SNIEndpoint, error) {
	err := p.enter(Call{Method: "Certs", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return append([]api.SNIEndpoint{}, p.certs[app]...), nil
}

// RemoveCert drops one.
func (p *Platform) RemoveCert(_ context.Context, app, name string) error {
	err := p.enter(Call{Method: "RemoveCert", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.certs[app], func(e api.SNIEndpoint) bool { return e.Name == name })
	if i < 0 {
		return fmt.Errorf("certificate %s: %w", name, releases.ErrNotFound)
	}
	p.certs[app] = slices.Delete(p.certs[app], i, i+1)
	return nil
}
