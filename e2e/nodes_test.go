package e2e

import (
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/swarmtest"
)

// paasctl nodes: paasd on a lone engine lists the engine itself; paasd given
// a swarm manager's engine (DOCKER_HOST) lists the swarm's nodes, the
// leading manager first, and whether it reaches each node's own engine
// (PAAS_SWARM_NODES).
func TestNodes(t *testing.T) {
	lone := startDaemon(t, daemonOptions{})
	out := lone.mustPaasctl("", "nodes")
	if !strings.Contains(out, " engine ") || !strings.Contains(out, " ready ") {
		t.Errorf("paasctl nodes on a lone engine:\n%s", out)
	}

	c := swarmtest.Start(t, 2)
	d := startDaemon(t, daemonOptions{env: []string{"DOCKER_HOST=" + c.Manager().Host,
		"PAAS_SWARM_NODES=" + c.Nodes[0].Host + "," + c.Nodes[1].Host}})
	out = d.mustPaasctl("", "nodes")
	t.Logf("paasctl nodes, paasd on a swarm of 2:\n%s", out)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "node1 ") || !strings.Contains(lines[1], c.Nodes[0].Addr) || !strings.Contains(lines[1], "manager (leader)") ||
		!strings.HasPrefix(lines[2], "node2 ") || !strings.Contains(lines[2], c.Nodes[1].Addr) || !strings.Contains(lines[2], "worker") ||
		strings.Count(out, " ready ") != 2 || strings.Count(out, " reachable ") != 2 {
		t.Errorf("paasctl nodes on a swarm of 2:\n%s", out)
	}

	// A node's engine lost: paasctl nodes says so at once, and where.
	c.StopNode(t, c.Nodes[1])
	out = d.mustPaasctl("", "nodes")
	t.Logf("paasctl nodes, node2's engine stopped:\n%s", out)
	if !strings.Contains(out, "UNREACHABLE at "+c.Nodes[1].Host) || strings.Count(out, " reachable ") != 1 {
		t.Errorf("paasctl nodes with node2's engine stopped:\n%s", out)
	}
}
