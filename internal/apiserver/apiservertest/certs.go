package apiservertest

import (
	"context"
	"fmt"
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
