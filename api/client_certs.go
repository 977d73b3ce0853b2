package api

import (
	"context"
	"net/http"
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
