package api

import (
	"context"
	"net/http"
)

// RouterMetrics is app's traffic through the router over the last hour.
func (c *Client) RouterMetrics(ctx context.Context, app string) (RouterSeries, error) {
	var s RouterSeries
	err := c.do(ctx, http.MethodGet, RouterMetricsPath(app), nil, &s)
	return s, err
}
