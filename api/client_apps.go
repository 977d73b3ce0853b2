package api

import (
	"context"
	"net/http"
	"net/url"
)

// Apps lists every app.
func (c *Client) Apps(ctx context.Context) ([]App, error) {
	var apps []App
	if err := c.do(ctx, http.MethodGet, "/v1/apps", nil, &apps); err != nil {
		return nil, err
	}
	return apps, nil
}

// CreateApp creates an app named name.
func (c *Client) CreateApp(ctx context.Context, name string) (App, error) {
	var app App
	err := c.do(ctx, http.MethodPost, "/v1/apps", CreateAppRequest{Name: name}, &app)
	return app, err
}

// App describes one app and its processes.
func (c *Client) App(ctx context.Context, name string) (App, error) {
	var app App
	err := c.do(ctx, http.MethodGet, appPath(name), nil, &app)
	return app, err
}

// DestroyApp removes an app with its releases, processes and repository.
func (c *Client) DestroyApp(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, appPath(name), nil, nil)
}

func appPath(name string) string { return "/v1/apps/" + url.PathEscape(name) }
