package api

import (
	"context"
	"net/http"
)

// Config returns the app's config vars.
func (c *Client) Config(ctx context.Context, app string) (ConfigVars, error) {
	var vars ConfigVars
	if err := c.do(ctx, http.MethodGet, configPath(app), nil, &vars); err != nil {
		return nil, err
	}
	return vars, nil
}

// UpdateConfig sets the keys of changes with a value and unsets those with
// nil, as one new release, and returns that release once it is live.
func (c *Client) UpdateConfig(ctx context.Context, app string, changes ConfigUpdate) (Release, error) {
	var rel Release
	err := c.doWithin(ctx, c.changeTimeout, http.MethodPatch, configPath(app), changes, &rel)
	return rel, err
}

func configPath(app string) string { return v1AppPath(app) + "/config" }
