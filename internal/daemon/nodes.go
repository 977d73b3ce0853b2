package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/platform"
	"github.com/paas-dev/paas/internal/runner"
)

// nodeEngine is the Docker Engine of one swarm node (PAAS_SWARM_NODES),
// which paasd reaches besides the manager's.
type nodeEngine struct {
	host   string
	client *client.Client

	mu     sync.Mutex
	nodeID string // the swarm node it is, once it has answered
}

// dialNodeEngines makes a client for each host and asks each which node
// it is; one that does not answer is logged, and shown by GET /nodes.
// They speak the API version paasd's engine negotiated: a client that
// negotiates lazily races with itself on first use.
func dialNodeEngines(ctx context.Context, hosts []string, version string, log *slog.Logger) ([]*nodeEngine, error) {
	var engines []*nodeEngine
	for _, h := range hosts {
		cli, err := client.NewClientWithOpts(client.WithHost(h), client.WithTLSClientConfigFromEnv(), client.WithVersion(version))
		if err != nil {
			for _, e := range engines {
				e.client.Close()
			}
			return nil, fmt.Errorf("make a client for the swarm node %s (PAAS_SWARM_NODES): %w", h, err)
		}
		engines = append(engines, &nodeEngine{host: h, client: cli})
	}
	for i, err := range probeAll(ctx, engines) {
		if err != nil {
			log.Warn("a swarm node's engine does not answer; check it, and PAAS_SWARM_NODES", "host", engines[i].host, "err", err)
		}
	}
	return engines, nil
}

// probeAll probes every engine at once, and returns each one's error.
func probeAll(ctx context.Context, engines []*nodeEngine) []error {
	errs := make([]error, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Go(func() { errs[i] = e.probe(ctx) })
	}
	wg.Wait()
	return errs
}

// probe asks the engine which swarm node it is, within 3 s.
func (e *nodeEngine) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	info, err := e.client.Info(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.nodeID = info.Swarm.NodeID
	e.mu.Unlock()
	return nil
}

func (e *nodeEngine) id() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.nodeID
}

// engineNodes answers GET /nodes from paasd's engine, and from the nodes'
// own engines whether paasd reaches each.
type engineNodes struct {
	engine  runner.NodeAPI
	engines []*nodeEngine
}

func (e engineNodes) Nodes(ctx context.Context) ([]api.Node, error) {
	nodes, err := runner.Nodes(ctx, e.engine)
	if err != nil {
		return nil, err
	}
	errs := probeAll(ctx, e.engines)
	out := make([]api.Node, len(nodes))
	matched := make([]bool, len(e.engines))
	for i, n := range nodes {
		out[i] = api.Node{ID: n.ID, Hostname: n.Hostname, Addr: n.Addr, Role: n.Role, Leader: n.Leader,
			State: n.State, Availability: n.Availability, Engine: n.Engine}
		for j, ne := range e.engines {
			if id := ne.id(); id != "" && id == n.ID {
				out[i].EngineHost, out[i].EngineReachable, matched[j] = ne.host, errs[j] == nil, true
			}
		}
	}
	// An engine that never said which node it is, or is in no node of
	// this swarm, is listed on its own, so that it is not missed.
	for j, ne := range e.engines {
		if !matched[j] {
			out = append(out, api.Node{ID: ne.id(), Role: "unknown", State: "unknown", EngineHost: ne.host, EngineReachable: errs[j] == nil})
		}
	}
	return out, nil
}

// supervisedRunner is a runner the daemon supervises while it serves.
type supervisedRunner interface {
	platform.Runner
	Supervise(ctx context.Context)
}

// newRunner is the runner cfg asks for: containers on paasd's engine, or
// services of the swarm it manages (PAAS_BACKEND=swarm), with one-off
// processes as containers on paasd's engine either way.
func newRunner(ctx, sampling context.Context, cfg Config, docker *client.Client, routes runner.Routes, engines []*nodeEngine, opts runner.Options) (supervisedRunner, error) {
	backend := runner.NewDocker(docker)
	backend.Overlay = cfg.Swarm
	containers := runner.New(backend, routes, opts)
	if !cfg.Swarm {
		return containers, nil
	}
	s := runner.NewSwarm(docker, routes, containers, func(ctx context.Context) map[string]runner.NodeEngine {
		return nodeEnginesByID(ctx, engines)
	}, opts)
	manager, err := s.ManagerID(ctx)
	if err != nil {
		return nil, err
	}
	// The tasks' containers are sampled on the engine of each node paasd
	// reaches, the manager's once; one-offs keep the sampler of paasd's.
	usage := runner.Usages{}
	if !slices.ContainsFunc(engines, func(e *nodeEngine) bool { return e.id() == manager }) {
		usage = append(usage, runner.NewTaskUsageSampler(docker, runner.DefaultUsageEvery, opts.Logger.With("engine", "manager")))
	}
	for _, e := range engines {
		usage = append(usage, runner.NewTaskUsageSampler(e.client, runner.DefaultUsageEvery, opts.Logger.With("engine", e.host)))
	}
	for _, u := range usage {
		go u.Run(sampling)
	}
	s.SetUsage(usage)
	return s, nil
}

// nodeEnginesByID are the engines that said which node they are; those
// that have not yet are asked again.
func nodeEnginesByID(ctx context.Context, engines []*nodeEngine) map[string]runner.NodeEngine {
	var unknown []*nodeEngine
	for _, e := range engines {
		if e.id() == "" {
			unknown = append(unknown, e)
		}
	}
	probeAll(ctx, unknown)
	out := map[string]runner.NodeEngine{}
	for _, e := range engines {
		if id := e.id(); id != "" {
			out[id] = e.client
		}
	}
	return out
}
