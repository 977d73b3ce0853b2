package runner

import (
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/swarm"

	"github.com/paas-dev/paas/internal/releases"
)

func testSwarm() *Swarm {
	return NewSwarm(nil, nil, nil, nil, Options{DaemonID: "0123456789ab"})
}

func TestServiceSpec(t *testing.T) {
	s := testSwarm()
	spec := Spec{
		Release: releases.Release{App: "hello", Version: 4, Image: "paas/hello:abc", Config: map[string]string{"GREETING": "hi", "TEMPLATE": "{{.Service.Name}} a{{b"},
			Processes: map[string]string{"web": "exec httpd -f -p $PORT", "worker": "./work"}},
		Formation:   map[string]int{"web": 3, "worker": 1},
		Memory:      map[string]int64{"worker": 256 << 20},
		StopTimeout: 7 * time.Second,
	}
	web := s.serviceSpec(spec, "web", "sha256:1234", true)
	cs := web.TaskTemplate.ContainerSpec
	if web.Name != "paas-0123456789ab-hello-web" || *web.Mode.Replicated.Replicas != 3 || cs.Image != "sha256:1234" {
		t.Errorf("web service %q, %d replicas, image %q", web.Name, *web.Mode.Replicated.Replicas, cs.Image)
	}
	if !slices.Equal(cs.Args, []string{"/bin/sh", "-c", "exec httpd -f -p $PORT"}) || cs.Command != nil {
		t.Errorf("web runs command %q args %q; want the Procfile's line as args, the image's entrypoint kept", cs.Command, cs.Args)
	}
	for _, want := range []string{"PORT=5000", "PAAS_PROCESS=web.{{.Task.Slot}}", "DYNO=web.{{.Task.Slot}}", "PAAS_RELEASE=v4", "GREETING=hi",
		`TEMPLATE={{"{{"}}.Service.Name}} a{{"{{"}}b`} {
		if !slices.Contains(cs.Env, want) {
			t.Errorf("web's environment lacks %s: %q", want, cs.Env)
		}
	}
	if web.Labels[LabelDaemon] != "0123456789ab" || cs.Labels[LabelDaemon] != "" || cs.Labels[LabelRelease] != "v4" || cs.Labels[LabelApp] != "hello" {
		t.Errorf("labels: service %v, containers %v; want the daemon's on the service only", web.Labels, cs.Labels)
	}
	if u := web.UpdateConfig; u.Order != swarm.UpdateOrderStartFirst || u.FailureAction != swarm.UpdateFailureActionRollback || u.Parallelism != 1 {
		t.Errorf("update config %+v; want start-first, one at a time, rolled back on failure", u)
	}
	if web.RollbackConfig.Order != swarm.UpdateOrderStartFirst {
		t.Errorf("rollback config %+v; want start-first", web.RollbackConfig)
	}
	if cs.Init == nil || !*cs.Init || cs.Labels[labelSpec] == "" {
		t.Errorf("web runs with init %v and spec label %q; want an init, and the spec's digest", cs.Init, cs.Labels[labelSpec])
	}
	if *cs.StopGracePeriod != 7*time.Second || web.TaskTemplate.RestartPolicy.Condition != swarm.RestartPolicyConditionAny {
		t.Errorf("stop grace %s, restart %+v", *cs.StopGracePeriod, web.TaskTemplate.RestartPolicy)
	}
	if hc := cs.Healthcheck; hc == nil || hc.Test[0] != "CMD-SHELL" || hc.StartPeriod != DefaultBootTimeout {
		t.Errorf("web's health check %+v; want the listening check, with the boot timeout to start", hc)
	}
	if p := web.EndpointSpec.Ports; len(p) != 1 || p[0].TargetPort != ContainerPort || p[0].PublishMode != swarm.PortConfigPublishModeHost || p[0].PublishedPort != 0 {
		t.Errorf("web's ports %+v; want %d published in host mode on a port the node picks", p, ContainerPort)
	}
	if l := web.TaskTemplate.Resources.Limits; l.MemoryBytes != DefaultMemory || l.Pids != DefaultPIDs {
		t.Errorf("web's limits %+v", l)
	}

	worker := s.serviceSpec(spec, "worker", "sha256:1234", true)
	if worker.EndpointSpec != nil || worker.TaskTemplate.ContainerSpec.Healthcheck != nil {
		t.Errorf("a worker publishes %+v and is checked by %+v; want neither", worker.EndpointSpec, worker.TaskTemplate.ContainerSpec.Healthcheck)
	}
	if noShell := s.serviceSpec(spec, "web", "sha256:1234", false); noShell.TaskTemplate.ContainerSpec.Healthcheck != nil || noShell.EndpointSpec == nil {
		t.Errorf("web from an image without a shell: health check %+v, endpoint %+v; want none, and the port", noShell.TaskTemplate.ContainerSpec.Healthcheck, noShell.EndpointSpec)
	}
	if worker.TaskTemplate.Resources.Limits.MemoryBytes != 256<<20 {
		t.Errorf("the worker's memory limit is %d, want its own", worker.TaskTemplate.Resources.Limits.MemoryBytes)
	}
}

func TestServiceNameFits(t *testing.T) {
	long := strings.Repeat("a", 30)
	a, b := serviceName("0123456789ab", long, long+"x"), serviceName("0123456789ab", long, long+"y")
	if len(a) > 63 || len(b) > 63 || a == b {
		t.Errorf("names %q and %q: want at most 63 characters, and different", a, b)
	}
}

// The web tasks' health check, run by a real shell against this machine's
// socket tables: true while something listens on the port, false after.
func TestListeningCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := exec.Command("sh", "-c", listeningCheck(port)).Run(); err != nil {
		t.Errorf("with a listener on %d the check fails: %v", port, err)
	}
	ln.Close()
	if err := exec.Command("sh", "-c", listeningCheck(port)).Run(); err == nil {
		t.Errorf("with nothing on %d the check passes", port)
	}
}

func TestSettled(t *testing.T) {
	two := uint64(2)
	svc := swarm.Service{Spec: swarm.ServiceSpec{
		Annotations:  swarm.Annotations{Labels: map[string]string{LabelType: "web"}},
		TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: "new", Labels: map[string]string{LabelRelease: "v2", labelSpec: "new"}}},
		Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &two}},
	}}
	task := func(slot int, release string, desired, state swarm.TaskState, errText string) swarm.Task {
		img := "new"
		if release != "v2" {
			img = "old"
		}
		return swarm.Task{Slot: slot, DesiredState: desired,
			Spec:   swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: img, Labels: map[string]string{LabelRelease: release, labelSpec: img}}},
			Status: swarm.TaskStatus{State: state, Err: errText, Timestamp: time.Now()}}
	}
	run, shut := swarm.TaskStateRunning, swarm.TaskStateShutdown
	for _, c := range []struct {
		name  string
		tasks []swarm.Task
		done  bool
		slot  int // of the failed task, 0 for none
	}{
		{"both new up, an old one still stopping", []swarm.Task{task(1, "v2", run, run, ""), task(2, "v2", run, run, ""), task(1, "v1", shut, run, "")}, true, 0},
		{"one new up, one old up", []swarm.Task{task(1, "v2", run, run, ""), task(2, "v1", run, run, "")}, false, 0},
		{"one new starting", []swarm.Task{task(1, "v2", run, run, ""), task(2, "v2", run, swarm.TaskStateStarting, "")}, false, 0},
		{"one new failed", []swarm.Task{task(1, "v2", run, run, ""), task(2, "v2", shut, swarm.TaskStateFailed, "task: non-zero exit (1)")}, false, 2},
	} {
		done, failed := settled(svc, c.tasks, "new")
		if done != c.done || failed.Slot != c.slot {
			t.Errorf("%s: settled %v, task %d failed; want %v, %d", c.name, done, failed.Slot, c.done, c.slot)
		}
	}
}

func TestTaskState(t *testing.T) {
	for _, c := range []struct {
		state, desired swarm.TaskState
		want           string
	}{
		{swarm.TaskStatePreparing, swarm.TaskStateRunning, StateStarting},
		{swarm.TaskStateStarting, swarm.TaskStateRunning, StateStarting},
		{swarm.TaskStateRunning, swarm.TaskStateRunning, StateUp},
		{swarm.TaskStateRunning, swarm.TaskStateShutdown, StateStopping},
		{swarm.TaskStateFailed, swarm.TaskStateShutdown, StateCrashed},
		{swarm.TaskStateRejected, swarm.TaskStateShutdown, StateCrashed},
		{swarm.TaskStateShutdown, swarm.TaskStateShutdown, "down"},
	} {
		if got := taskState(c.state, c.desired); got != c.want {
			t.Errorf("a task %s, meant to be %s, shows %s; want %s", c.state, c.desired, got, c.want)
		}
	}
}

// fakeTasks is a manager that has one task, whose output is a pipe.
type fakeTasks struct {
	SwarmAPI
	ended  atomic.Bool
	output *io.PipeReader
	follow atomic.Bool
}

func (f *fakeTasks) TaskInspectWithRaw(context.Context, string) (swarm.Task, []byte, error) {
	if f.ended.Load() {
		return swarm.Task{DesiredState: swarm.TaskStateShutdown, Status: swarm.TaskStatus{State: swarm.TaskStateComplete}}, nil, nil
	}
	return swarm.Task{DesiredState: swarm.TaskStateRunning, Status: swarm.TaskStatus{State: swarm.TaskStateRunning}}, nil, nil
}

func (f *fakeTasks) TaskLogs(ctx context.Context, _ string, opts container.LogsOptions) (io.ReadCloser, error) {
	f.follow.Store(opts.Follow)
	if !opts.Follow {
		return io.NopCloser(strings.NewReader("")), nil
	}
	go func() {
		<-ctx.Done()
		f.output.CloseWithError(ctx.Err())
	}()
	return f.output, nil
}

// A task's stream, which the manager does not end when the task does, ends
// cleanly once the task has ended; then it is read without following.
func TestSwarmLogsEndWithTheTask(t *testing.T) {
	pr, pw := io.Pipe()
	f := &fakeTasks{output: pr}
	rc, err := SwarmLogs{API: f}.ContainerLogs(context.Background(), taskLogPrefix+"t1", container.LogsOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	go func() { _, _ = pw.Write([]byte("line\n")) }()
	buf := make([]byte, 64)
	if n, err := rc.Read(buf); err != nil || string(buf[:n]) != "line\n" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	f.ended.Store(true)
	done := make(chan error, 1)
	go func() {
		_, err := rc.Read(buf)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, io.EOF) {
			t.Errorf("the stream of an ended task ended with %v, want EOF", err)
		}
	case <-time.After(10 * taskEndCheck):
		t.Fatal("the stream did not end with the task")
	}
	again, err := SwarmLogs{API: f}.ContainerLogs(context.Background(), taskLogPrefix+"t1", container.LogsOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
	if f.follow.Load() {
		t.Error("an ended task's output is followed; want it read to its end")
	}
}

func TestSwarmRestartProcessSaysRestartTheType(t *testing.T) {
	err := testSwarm().RestartProcess(context.Background(), Spec{}, "web.2", io.Discard)
	if !errors.Is(err, releases.ErrInvalid) || !strings.Contains(err.Error(), "paasctl ps:restart web") {
		t.Errorf("restart web.2 on a swarm: %v; want an invalid request that says to restart the type", err)
	}
}

// fakeManager is a swarm manager with one app's web service, whose tasks
// the test sets.
type fakeManager struct {
	SwarmAPI
	mu    sync.Mutex
	tasks []swarm.Task
	nodes []swarm.Node
}

func (f *fakeManager) ServiceList(context.Context, swarm.ServiceListOptions) ([]swarm.Service, error) {
	return []swarm.Service{{ID: "svc", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Labels: map[string]string{LabelApp: "hello", LabelType: "web"}}}}}, nil
}

func (f *fakeManager) NodeList(context.Context, swarm.NodeListOptions) ([]swarm.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.nodes), nil
}

func (f *fakeManager) TaskList(context.Context, swarm.TaskListOptions) ([]swarm.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.tasks), nil
}

func (f *fakeManager) set(nodeState swarm.NodeState, tasks ...swarm.Task) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes = []swarm.Node{{ID: "n1", Status: swarm.NodeStatus{State: nodeState, Addr: "127.0.0.1"}}}
	f.tasks = tasks
}

// The follower routes a web task that is meant to run, runs, is on a ready
// node and accepts connections, at node address and published port; and no
// longer once the swarm means to stop it, or its node is down.
func TestSwarmFollowerRoutesRunningTasks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint32(ln.Addr().(*net.TCPAddr).Port)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := uint32(closed.Addr().(*net.TCPAddr).Port)
	closed.Close()
	task := func(id string, slot int, desired, state swarm.TaskState, published uint32) swarm.Task {
		return swarm.Task{ID: id, ServiceID: "svc", NodeID: "n1", Slot: slot, DesiredState: desired, Status: swarm.TaskStatus{State: state,
			PortStatus: swarm.PortStatus{Ports: []swarm.PortConfig{{TargetPort: ContainerPort, PublishedPort: published}}}}}
	}
	m := &fakeManager{}
	routes := &fakeRoutes{ev: &events{}}
	s := NewSwarm(m, routes, nil, nil, Options{DaemonID: "0123456789ab"})
	ctx := context.Background()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	run, shut := swarm.TaskStateRunning, swarm.TaskStateShutdown
	for _, c := range []struct {
		name  string
		node  swarm.NodeState
		tasks []swarm.Task
		want  []string
	}{
		{"a running task that accepts", swarm.NodeStateReady, []swarm.Task{task("t1", 1, run, run, port)}, []string{addr}},
		{"and one starting, one not accepting", swarm.NodeStateReady, []swarm.Task{task("t1", 1, run, run, port), task("t2", 2, run, swarm.TaskStateStarting, 0), task("t3", 3, run, run, closedPort)}, []string{addr}},
		{"the swarm means to stop it", swarm.NodeStateReady, []swarm.Task{task("t1", 1, shut, run, port)}, nil},
		{"running again, on a node that is down", swarm.NodeStateDown, []swarm.Task{task("t4", 1, run, run, port)}, nil},
		{"the node back", swarm.NodeStateReady, []swarm.Task{task("t4", 1, run, run, port)}, []string{addr}},
	} {
		m.set(c.node, c.tasks...)
		s.followOnce(ctx)
		if got, _ := routes.get("hello"); !slices.Equal(got, c.want) {
			t.Errorf("%s: routed to %v, want %v", c.name, got, c.want)
		}
	}
}
