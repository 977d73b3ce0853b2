package api

import (
	"context"
	"net/http"
)

// Settings returns the app's settings, defaults filled in.
func (c *Client) Settings(ctx context.Context, app string) (Settings, error) {
	var st Settings
	err := c.do(ctx, http.MethodGet, settingsPath(app), nil, &st)
	return st, err
}

// UpdateSettings changes the settings named in u and returns them all.
func (c *Client) UpdateSettings(ctx context.Context, app string, u SettingsUpdate) (Settings, error) {
	var st Settings
	err := c.do(ctx, http.MethodPatch, settingsPath(app), u, &st)
	return st, err
}
