package api

import (
	"context"
	"net/http"
)

// Nodes lists the machines paasd's engine runs processes on.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	var nodes []Node
	err := c.do(ctx, http.MethodGet, NodesPath, nil, &nodes)
	return nodes, err
}
