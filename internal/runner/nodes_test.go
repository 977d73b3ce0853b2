package runner

import (
	"context"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/dockertest"
)

// An engine in no swarm is the one node, itself. (A swarm's nodes are
// listed in internal/swarmtest, on a swarm of private engines.)
func TestNodesOfALoneEngine(t *testing.T) {
	cli := dockertest.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nodes, err := Nodes(ctx, cli)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || nodes[0].Role != "engine" || nodes[0].State != "ready" || nodes[0].ID == "" || nodes[0].Engine == "" {
		t.Errorf("nodes = %+v, want the engine itself, ready", nodes)
	}
}
