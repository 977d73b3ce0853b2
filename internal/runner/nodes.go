package runner

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
)

// Node is a machine the engine runs processes on: the engine itself, or a
// node of the swarm it manages.
type Node struct {
	ID, Hostname string
	Addr         string // in the swarm; "" for a lone engine
	Role         string // "manager", "worker", or "engine" for a lone one
	Leader       bool
	State        string // "ready", "down", "disconnected", "unknown"
	Availability string // "active", "pause", "drain"
	Engine       string // Docker Engine version
}

// NodeAPI is what Nodes asks of the engine.
type NodeAPI interface {
	Info(ctx context.Context) (system.Info, error)
	NodeList(ctx context.Context, options swarm.NodeListOptions) ([]swarm.Node, error)
}

// Nodes lists the machines the engine runs processes on: a swarm's nodes,
// managers first, when the engine manages one; else the engine itself.
func Nodes(ctx context.Context, api NodeAPI) ([]Node, error) {
	info, err := api.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("ask the engine about itself: %w", err)
	}
	if info.Swarm.LocalNodeState != swarm.LocalNodeStateActive {
		return []Node{{ID: info.ID, Hostname: info.Name, Role: "engine", State: "ready", Availability: "active", Engine: info.ServerVersion}}, nil
	}
	if !info.Swarm.ControlAvailable {
		return nil, errors.New("list the swarm's nodes: paasd's engine is a swarm worker; give paasd a manager's engine (DOCKER_HOST)")
	}
	list, err := api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the swarm's nodes: %w", err)
	}
	nodes := make([]Node, 0, len(list))
	for _, n := range list {
		node := Node{
			ID:           n.ID,
			Hostname:     n.Description.Hostname,
			Addr:         n.Status.Addr,
			Role:         string(n.Spec.Role),
			State:        string(n.Status.State),
			Availability: string(n.Spec.Availability),
			Engine:       n.Description.Engine.EngineVersion,
		}
		if n.ManagerStatus != nil {
			node.Leader = n.ManagerStatus.Leader
		}
		nodes = append(nodes, node)
	}
	sort.SliceStable(nodes, func(i, j int) bool {
		if (nodes[i].Role == "manager") != (nodes[j].Role == "manager") {
			return nodes[i].Role == "manager"
		}
		return nodes[i].Hostname < nodes[j].Hostname
	})
	return nodes, nil
}
