package api

import (
	"context"
	"net/http"
)

// Limits returns the memory limit of every process type of the app's current
// release.
func (c *Client) Limits(ctx context.Context, app string) (Limits, error) {
	var l Limits
	if err := c.do(ctx, http.MethodGet, limitsPath(app), nil, &l); err != nil {
		return nil, err
	}
	return l, nil
}

// SetLimits changes the memory limits of the types in change and returns
// every type's limit once the processes run with them.
func (c *Client) SetLimits(ctx context.Context, app string, change Limits) (Limits, error) {
	var l Limits
	if err := c.doWithin(ctx, c.changeTimeout, http.MethodPatch, limitsPath(app), change, &l); err != nil {
		return nil, err
	}
	return l, nil
}
