package api

import (
	"context"
	"net/http"
	"net/url"
)

// Apps lists every app, sorted by name.
func (c *Client) Apps(ctx context.Context) ([]App, error) {
	var apps []App
	if err := c.do(ctx, http.MethodGet, "/apps", nil, &apps); err != nil {
		return nil, err
	}
	return apps, nil
}

// CreateApp creates an app; the name must be free.
func (c *Client) CreateApp(ctx context.Context, name string) (App, error) {
	var app App
	err := c.do(ctx, http.MethodPost, "/apps", CreateAppRequest{Name: name}, &app)
	return app, err
}

// App describes one app, by its name or its id.
func (c *Client) App(ctx context.Context, ident string) (App, error) {
	var app App
	err := c.do(ctx, http.MethodGet, AppPath(ident), nil, &app)
	return app, err
}

// UpdateApp changes what u gives of an app: its name, its maintenance mode.
func (c *Client) UpdateApp(ctx context.Context, ident string, u AppUpdate) (App, error) {
	var app App
	err := c.do(ctx, http.MethodPatch, AppPath(ident), u, &app)
	return app, err
}

// DestroyApp removes an app with its releases, processes and repository,
// and returns it as it was.
func (c *Client) DestroyApp(ctx context.Context, ident string) (App, error) {
	var app App
	err := c.do(ctx, http.MethodDelete, AppPath(ident), nil, &app)
	return app, err
}

// Account is the API token's owner.
func (c *Client) Account(ctx context.Context) (Account, error) {
	var a Account
	err := c.do(ctx, http.MethodGet, "/account", nil, &a)
	return a, err
}

// AppPath is an app's path in the Platform API, "/apps/hello".
func AppPath(ident string) string { return "/apps/" + url.PathEscape(ident) }
