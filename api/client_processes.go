package api

import (
	"context"
	"net/http"
	"net/url"
)

// Processes lists the app's processes (Heroku's dynos), one-off ones
// included.
func (c *Client) Processes(ctx context.Context, app string) ([]Process, error) {
	return listAll[Process](ctx, c, processesPath(app), "name ..; max=1000")
}

// Restart replaces the app's processes of processType ("" for every type)
// with new ones, with no downtime, and returns the processes once the new
// ones run.
func (c *Client) Restart(ctx context.Context, app, processType string) ([]Process, error) {
	path := processesPath(app)
	if processType != "" {
		path = AppPath(app) + "/formations/" + url.PathEscape(processType)
	}
	if err := c.doWithin(ctx, c.changeTimeout, http.MethodDelete, path, nil, nil); err != nil {
		return nil, err
	}
	return c.Processes(ctx, app)
}
