package api

import (
	"context"
	"net/http"
)

// Formation returns how many processes of each type the app runs.
func (c *Client) Formation(ctx context.Context, app string) (Formation, error) {
	var f Formation
	if err := c.do(ctx, http.MethodGet, formationPath(app), nil, &f); err != nil {
		return nil, err
	}
	return f, nil
}

// Scale sets the counts of the types in change, leaves the others alone, and
// returns the whole formation once the processes run.
func (c *Client) Scale(ctx context.Context, app string, change Formation) (Formation, error) {
	var f Formation
	if err := c.doWithin(ctx, c.changeTimeout, http.MethodPatch, formationPath(app), change, &f); err != nil {
		return nil, err
	}
	return f, nil
}
