package api

import (
	"context"
	"net/http"
)

// HealthPath is open to anyone, for supervisors and load balancers.
const HealthPath = "/healthz"

// Health is what HealthPath answers: the daemon is up, and which build.
type Health struct {
	Status  string `json:"status"`  // "ok"
	Version string `json:"version"` // "v1.2.0", or "(devel)" unstamped
	Commit  string `json:"commit"`  // the git commit paasd was built from
	Go      string `json:"go"`      // the Go release that built it
}

// Health asks the daemon whether it is up and which build it is.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.do(ctx, http.MethodGet, HealthPath, nil, &h)
	return h, err
}
