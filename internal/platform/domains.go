package platform

import (
	"context"
	"slices"

	"github.com/paas-dev/paas/internal/releases"
)

// Domains lists the app's custom domains, sorted.
func (p *Platform) Domains(_ context.Context, app string) ([]string, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return nil, err
	}
	return p.store.Domains(app)
}

// AddDomain gives domain to app in the ledger and routes it at once. Names
// under the platform's own domain are refused: the router serves those as
// apps' own hosts.
func (p *Platform) AddDomain(ctx context.Context, app, domain string) ([]string, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return nil, err
	}
	d, err := releases.NormalizeDomain(domain, p.opts.Domain)
	if err != nil {
		return nil, err
	}
	// Under the app's lock so that a concurrent destroy cannot be undone by
	// routing the app again, and the router gets the ledger's lists in order.
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ds, err := p.store.AddDomain(app, d)
	if err != nil {
		return nil, err
	}
	p.routes.SetDomains(app, ds)
	p.wantCerts(app)
	p.log.Info("domain added", "app", app, "domain", d)
	p.emit(app, "api", "Added domain "+d)
	return ds, nil
}

// RemoveDomain takes domain from app; requests for it answer 404 at once.
func (p *Platform) RemoveDomain(ctx context.Context, app, domain string) ([]string, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return nil, err
	}
	// Not checked against the platform's domain: one added before
	// PAAS_DOMAIN changed must still be removable.
	d, err := releases.NormalizeDomain(domain, "")
	if err != nil {
		return nil, err
	}
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ds, err := p.store.RemoveDomain(app, d)
	if err != nil {
		return nil, err
	}
	p.routes.SetDomains(app, ds)
	p.wantCerts(app)
	if p.certs != nil {
		p.certs.ForgetHosts(d)
	}
	p.log.Info("domain removed", "app", app, "domain", d)
	p.emit(app, "api", "Removed domain "+d)
	return ds, nil
}

// domainsByApp reads every custom domain for Restore. A domain that is now
// under PAAS_DOMAIN (it changed since the domain was added) is still routed,
// but the app whose own host it is wins, so say so. A ledger that cannot be
// read leaves apps on their own hosts rather than down.
func (p *Platform) domainsByApp() map[string][]string {
	all, err := p.store.AllDomains()
	if err != nil {
		p.log.Error("read custom domains: apps are served at their own hosts only", "err", err)
		return nil
	}
	byApp := map[string][]string{}
	for d, app := range all {
		if _, err := releases.NormalizeDomain(d, p.opts.Domain); err != nil {
			p.log.Warn("custom domain is no longer valid; remove it with paasctl domains:remove", "app", app, "domain", d, "err", err)
		}
		byApp[app] = append(byApp[app], d)
	}
	for _, ds := range byApp {
		slices.Sort(ds)
	}
	return byApp
}
