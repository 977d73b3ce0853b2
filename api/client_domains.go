package api

import (
	"context"
	"net/http"
)

// Domains lists the app's custom domains, sorted.
func (c *Client) Domains(ctx context.Context, app string) ([]string, error) {
	var ds []string
	if err := c.do(ctx, http.MethodGet, domainsPath(app), nil, &ds); err != nil {
		return nil, err
	}
	return ds, nil
}

// AddDomain routes domain ("www.example.com" or "*.example.com") to the app
// and returns the app's custom domains. Like other changes to an app it may
// wait for a deploy in progress to go live, hence the longer timeout.
func (c *Client) AddDomain(ctx context.Context, app, domain string) ([]string, error) {
	var ds []string
	if err := c.doWithin(ctx, c.changeTimeout, http.MethodPost, domainsPath(app), AddDomainRequest{Domain: domain}, &ds); err != nil {
		return nil, err
	}
	return ds, nil
}

// RemoveDomain stops routing domain to the app and returns the app's
// remaining custom domains.
func (c *Client) RemoveDomain(ctx context.Context, app, domain string) ([]string, error) {
	var ds []string
	if err := c.doWithin(ctx, c.changeTimeout, http.MethodDelete, DomainPath(app, domain), nil, &ds); err != nil {
		return nil, err
	}
	return ds, nil
}
