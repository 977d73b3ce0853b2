package api

import (
	"context"
	"net/http"
	"net/url"
)

// SetACM turns the app's automatic certificates on or off (Heroku's
// POST and DELETE /apps/{app}/acm) and returns the app.
func (c *Client) SetACM(ctx context.Context, app string, on bool) (App, error) {
	method := http.MethodPost
	if !on {
		method = http.MethodDelete
	}
	var a App
	err := c.do(ctx, method, acmPath(app), nil, &a)
	return a, err
}

// RefreshACM orders the app's certificates again now (Heroku's PATCH).
func (c *Client) RefreshACM(ctx context.Context, app string) (App, error) {
	var a App
	err := c.do(ctx, http.MethodPatch, acmPath(app), nil, &a)
	return a, err
}

// CertStatus is each host's automatic certificate.
func (c *Client) CertStatus(ctx context.Context, app string) ([]CertStatus, error) {
	var st []CertStatus
	err := c.do(ctx, http.MethodGet, acmPath(app), nil, &st)
	return st, err
}

func acmPath(app string) string { return AppPath(app) + "/acm" }

// AddCert serves the PEM certificate chain and key as the app's (Heroku's
// POST /apps/{app}/sni-endpoints).
func (c *Client) AddCert(ctx context.Context, app, chainPEM, keyPEM string) (SNIEndpoint, error) {
	var e SNIEndpoint
	err := c.do(ctx, http.MethodPost, sniPath(app), SNIEndpointRequest{CertificateChain: chainPEM, PrivateKey: keyPEM}, &e)
	return e, err
}

// Certs lists the app's own certificates.
func (c *Client) Certs(ctx context.Context, app string) ([]SNIEndpoint, error) {
	var es []SNIEndpoint
	err := c.do(ctx, http.MethodGet, sniPath(app), nil, &es)
	return es, err
}

// RemoveCert stops serving the app's certificate name.
func (c *Client) RemoveCert(ctx context.Context, app, name string) (SNIEndpoint, error) {
	var e SNIEndpoint
	err := c.do(ctx, http.MethodDelete, sniPath(app)+"/"+url.PathEscape(name), nil, &e)
	return e, err
}

func sniPath(app string) string { return AppPath(app) + "/sni-endpoints" }
