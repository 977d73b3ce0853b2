package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Drains lists app's log drains, by URL.
func (c *Client) Drains(ctx context.Context, app string) ([]Drain, error) {
	return listAll[Drain](ctx, c, DrainsPath(app), "url ..; max=1000")
}

// AddDrain adds a log drain to app: syslog+tls://HOST:PORT,
// syslog+tcp://HOST:PORT or https://... .
func (c *Client) AddDrain(ctx context.Context, app, drainURL string) (Drain, error) {
	var d Drain
	err := c.do(ctx, http.MethodPost, DrainsPath(app), CreateDrainRequest{URL: drainURL}, &d)
	return d, err
}

// RemoveDrain removes one of app's log drains, given its ID or its URL.
func (c *Client) RemoveDrain(ctx context.Context, app, idOrURL string) error {
	if !strings.Contains(idOrURL, "://") {
		return c.do(ctx, http.MethodDelete, DrainPath(app, idOrURL), nil, nil)
	}
	// A URL has slashes: it goes in the query.
	path := DrainsPath(app)
	err := c.do(ctx, http.MethodDelete, path+"?url="+url.QueryEscape(idOrURL), nil, nil)
	var ue *url.Error
	if errors.As(err, &ue) {
		// The drain's URL may hold credentials: not in the message.
		return fmt.Errorf("reach the API: %w", &url.Error{Op: ue.Op, URL: c.baseURL + path + "?url=xxxxx", Err: ue.Err})
	}
	return err
}
