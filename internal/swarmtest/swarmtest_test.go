package swarmtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/internal/dockertest"
	"github.com/paas-dev/paas/internal/runner"
)

// Three private engines in namespaces of their own join one swarm; an image
// made on the machine's engine is copied to each (no registry) and a
// service names it by ID, so no node pulls; its three tasks, one per node,
// publish in host mode on a port each node picks (no IPVS here for the
// routing mesh), and the machine reaches each at its node's address, as
// paasd's router will. A worker lost has its task started on the nodes left.
func TestSwarmOfPrivateEngines(t *testing.T) {
	main := dockertest.Client(t)
	c := Start(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	m := c.Manager().Client

	nodes, err := m.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	addrOf := map[string]string{}
	for _, n := range nodes {
		if n.Status.State != swarm.NodeStateReady {
			t.Errorf("node %s is %s, want ready", n.Description.Hostname, n.Status.State)
		}
		addrOf[n.ID] = n.Status.Addr
	}
	if len(nodes) != 3 {
		t.Fatalf("the swarm has %d nodes, want 3", len(nodes))
	}
	// As paasctl nodes lists them: the manager first, leading.
	listed, err := runner.Nodes(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 3 || listed[0].Role != "manager" || !listed[0].Leader || listed[0].Addr != c.Manager().Addr {
		t.Errorf("runner.Nodes = %+v, want 3 with the leading manager at %s first", listed, c.Manager().Addr)
	}
	// A worker's engine is not the one to give paasd.
	if _, err := runner.Nodes(ctx, c.Nodes[1].Client); err == nil || !strings.Contains(err.Error(), "manager") {
		t.Errorf("runner.Nodes on a worker: %v, want advice to give paasd a manager", err)
	}

	ref := dockertest.BusyboxImage(t, main)
	c.LoadImage(t, main, ref)
	img, err := main.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	three := uint64(3)
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: "web"},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{
				Image:   img.ID, // by ID: no node tries a registry
				Command: []string{"sh", "-c", "mkdir -p /www && cat /etc/hostname > /www/index.html && exec httpd -f -p 5000 -h /www"},
			},
			Placement:     &swarm.Placement{MaxReplicas: 2}, // spread one per node; two once a node is lost
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionAny},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &three}},
		EndpointSpec: &swarm.EndpointSpec{
			Mode:  swarm.ResolutionModeDNSRR,
			Ports: []swarm.PortConfig{{Protocol: swarm.PortConfigProtocolTCP, TargetPort: 5000, PublishMode: swarm.PortConfigPublishModeHost}},
		},
	}
	if _, err := m.ServiceCreate(ctx, spec, swarm.ServiceCreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// A running task on each node, each answering at its node's address.
	targets := waitForTasks(t, m, addrOf, func(onNodes map[string]int) bool { return len(onNodes) == 3 })
	if seen := answers(t, targets); len(seen) != 3 {
		t.Errorf("the three tasks answered as %d containers, want 3: %v", len(seen), seen)
	}

	// A worker lost: its task starts on the nodes left, and all answer.
	lost := c.Nodes[2]
	c.StopNode(t, lost)
	targets = waitForTasks(t, m, addrOf, func(onNodes map[string]int) bool {
		n := 0
		for id, count := range onNodes {
			if addrOf[id] == lost.Addr {
				return false
			}
			n += count
		}
		return n == 3
	})
	if seen := answers(t, targets); len(seen) != 3 {
		t.Errorf("after losing %s the tasks answered as %d containers, want 3: %v", lost.Name, len(seen), seen)
	}
	// paasctl nodes shows it down: the swarm moved its task once it was.
	listed, err = runner.Nodes(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range listed {
		if n.Addr == lost.Addr && n.State != "down" {
			t.Errorf("the lost node is %s, want down", n.State)
		}
	}
}

// waitForTasks waits until the running tasks of the service "web", counted
// by node, satisfy done, and returns the addresses they publish on.
func waitForTasks(t *testing.T, m *client.Client, addrOf map[string]string, done func(map[string]int) bool) []string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		tasks, err := m.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(
			filters.Arg("service", "web"), filters.Arg("desired-state", "running"))})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		var targets, states []string
		onNodes := map[string]int{}
		for _, task := range tasks {
			states = append(states, fmt.Sprintf("%s on %s: %s %s", task.ID[:8], addrOf[task.NodeID], task.Status.State, task.Status.Err))
			if task.Status.State != swarm.TaskStateRunning || len(task.Status.PortStatus.Ports) == 0 {
				continue
			}
			onNodes[task.NodeID]++
			targets = append(targets, fmt.Sprintf("%s:%d", addrOf[task.NodeID], task.Status.PortStatus.Ports[0].PublishedPort))
		}
		if done(onNodes) {
			return targets
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service's tasks did not settle in 2 min: %s", strings.Join(states, "; "))
		}
		time.Sleep(200 * time.Millisecond) // polls the swarm's state until the deadline
	}
}

// answers GETs each target and returns the set of bodies: the containers'
// names.
func answers(t *testing.T, targets []string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, target := range targets {
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get("http://" + target + "/")
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					seen[strings.TrimSpace(string(b))] = true
					break
				}
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET http://%s/: %v", target, err)
			}
			time.Sleep(100 * time.Millisecond) // polls the task's port until the deadline
		}
	}
	return seen
}
