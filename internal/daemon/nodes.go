package daemon

import (
	"context"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/runner"
)

// engineNodes answers GET /nodes from paasd's engine.
type engineNodes struct{ engine runner.NodeAPI }

func (e engineNodes) Nodes(ctx context.Context) ([]api.Node, error) {
	nodes, err := runner.Nodes(ctx, e.engine)
	if err != nil {
		return nil, err
	}
	out := make([]api.Node, len(nodes))
	for i, n := range nodes {
		out[i] = api.Node{ID: n.ID, Hostname: n.Hostname, Addr: n.Addr, Role: n.Role, Leader: n.Leader,
			State: n.State, Availability: n.Availability, Engine: n.Engine}
	}
	return out, nil
}
