package api

import (
	"context"
	"net/http"
	"strconv"
)

// Headers of paas's own on PATCH /apps/{app}/config-vars: the release the
// change made.
const (
	ReleaseVersionHeader = "Paas-Release-Version"
	ReleaseIDHeader      = "Paas-Release-Id"
)

// Config returns the app's config vars.
func (c *Client) Config(ctx context.Context, app string) (ConfigVars, error) {
	var vars ConfigVars
	if err := c.do(ctx, http.MethodGet, configPath(app), nil, &vars); err != nil {
		return nil, err
	}
	return vars, nil
}

// ReleaseConfig returns the config vars of one release, by version.
func (c *Client) ReleaseConfig(ctx context.Context, app string, version int) (ConfigVars, error) {
	var vars ConfigVars
	path := AppPath(app) + "/releases/" + strconv.Itoa(version) + "/config-vars"
	if err := c.do(ctx, http.MethodGet, path, nil, &vars); err != nil {
		return nil, err
	}
	return vars, nil
}

// UpdateConfig sets the keys of changes with a value and unsets those with
// nil, as one new release, and returns the release's whole config and its
// version once it is live.
func (c *Client) UpdateConfig(ctx context.Context, app string, changes ConfigUpdate) (ConfigVars, int, error) {
	var vars ConfigVars
	resp, err := c.doResponse(ctx, c.changeTimeout, http.MethodPatch, configPath(app), nil, changes, &vars)
	if err != nil {
		return nil, 0, err
	}
	version, _ := strconv.Atoi(resp.Get(ReleaseVersionHeader)) // 0 from a server that does not say
	return vars, version, nil
}

func configPath(app string) string { return AppPath(app) + "/config-vars" }
