package api

import (
	"context"
	"net/http"
)

// DomainList lists every host name the app is served at, its own first.
func (c *Client) DomainList(ctx context.Context, app string) ([]Domain, error) {
	return listAll[Domain](ctx, c, domainsPath(app), "hostname ..; max=1000")
}

// Domains lists the app's custom domains, sorted.
func (c *Client) Domains(ctx context.Context, app string) ([]string, error) {
	all, err := c.DomainList(ctx, app)
	if err != nil {
		return nil, err
	}
	var ds []string
	for _, d := range all {
		if d.Kind == DomainKindCustom {
			ds = append(ds, d.Hostname)
		}
	}
	return ds, nil
}

// AddDomain routes domain ("www.example.com" or "*.example.com") to the app.
// Like other changes to an app it may wait for a deploy in progress to go
// live, hence the longer timeout.
func (c *Client) AddDomain(ctx context.Context, app, domain string) (Domain, error) {
	var d Domain
	err := c.doWithin(ctx, c.changeTimeout, http.MethodPost, domainsPath(app), AddDomainRequest{Hostname: domain}, &d)
	return d, err
}

// RemoveDomain stops routing domain to the app and returns it as it was.
func (c *Client) RemoveDomain(ctx context.Context, app, domain string) (Domain, error) {
	var d Domain
	err := c.doWithin(ctx, c.changeTimeout, http.MethodDelete, DomainPath(app, domain), nil, &d)
	return d, err
}

// Kinds of domains.
const (
	DomainKindHeroku = "heroku" // the app's own, <app>.<PAAS_DOMAIN>, as Heroku names its default
	DomainKindCustom = "custom"
)
