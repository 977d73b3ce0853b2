package api

import (
	"context"
	"net/http"
)

// Processes lists the app's processes, one-off ones included.
func (c *Client) Processes(ctx context.Context, app string) ([]Process, error) {
	var procs []Process
	if err := c.do(ctx, http.MethodGet, processesPath(app), nil, &procs); err != nil {
		return nil, err
	}
	return procs, nil
}

// Restart replaces the app's processes of processType ("" for every type)
// with new ones, with no downtime, and returns the processes once the new
// ones run.
func (c *Client) Restart(ctx context.Context, app, processType string) ([]Process, error) {
	var procs []Process
	if err := c.doWithin(ctx, c.changeTimeout, http.MethodPost, processesPath(app)+"/restart", RestartRequest{Type: processType}, &procs); err != nil {
		return nil, err
	}
	return procs, nil
}
