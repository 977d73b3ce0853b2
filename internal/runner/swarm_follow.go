package runner

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	engineevents "github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"

	"github.com/paas-dev/paas/internal/router"
)

// followEvery is how often the swarm's tasks are listed: the router learns
// of a task that stopped, or of a new one that is up, within it (and at
// once of a change the swarm has an event for).
const followEvery = 250 * time.Millisecond

// taskLogPrefix marks a task's ID where the log collector expects a
// container's: SwarmLogs reads such output through the manager.
const taskLogPrefix = "task/"

// taskSeen is what the follower saw of a task when it last looked.
type taskSeen struct {
	state  swarm.TaskState
	logged bool // its output is being collected
	// upSince is when it was first seen running: a task's status time
	// moves on with each report of its node, and it has no start time.
	upSince time.Time
	readyAt string // the address that passed the readiness check
}

// Supervise follows the swarm's tasks into the router and the log stream
// until ctx ends, and supervises the one-off processes; the swarm itself
// restarts what crashes. Call it once.
func (s *Swarm) Supervise(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.oneOffs.Supervise(ctx) })
	wake, nodeChanged := make(chan struct{}, 1), make(chan struct{}, 1)
	wg.Go(func() { s.watchEvents(ctx, wake, nodeChanged) })
	wg.Go(func() { s.respread(ctx, nodeChanged) })
	tick := time.NewTicker(followEvery)
	defer tick.Stop()
	for ctx.Err() == nil {
		s.followOnce(ctx)
		select {
		case <-ctx.Done():
		case <-tick.C:
		case <-wake:
		}
	}
	wg.Wait()
}

// watchEvents wakes the follower at once when a service or a node changes
// (an update starts or ends, a node goes down), between its rounds; the
// swarm has no events of tasks. A node's change also wakes respread.
func (s *Swarm) watchEvents(ctx context.Context, wake, nodeChanged chan<- struct{}) {
	opts := engineevents.ListOptions{Filters: filters.NewArgs(filters.Arg("type", string(engineevents.ServiceEventType)), filters.Arg("type", string(engineevents.NodeEventType)))}
	for ctx.Err() == nil {
		msgs, errs := s.api.Events(ctx, opts)
	read:
		for {
			select {
			case m := <-msgs:
				signal(wake)
				if m.Type == engineevents.NodeEventType {
					signal(nodeChanged)
				}
			case <-errs:
				break read
			case <-ctx.Done():
				return
			}
		}
		select { // the engine's stream broke: ask again in a while
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
}

// signal sends on c unless a signal is pending already.
func signal(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// respread copies the apps' current images to the nodes that lack them
// when a node changes: one that joins, comes back or is made active again
// missed the copies of the deploys meanwhile, and the swarm may move tasks
// there at any time.
func (s *Swarm) respread(ctx context.Context, nodeChanged <-chan struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-nodeChanged:
		}
		s.mu.Lock()
		images := map[string]bool{}
		for _, spec := range s.specs {
			images[spec.Release.Image] = true
		}
		s.mu.Unlock()
		for img := range images {
			if _, err := s.spreadImage(ctx, img, io.Discard); err != nil && ctx.Err() == nil {
				s.log.Warn("copy an app's image to the swarm's nodes", "image", shortID(img), "err", err)
			}
		}
	}
}

// followOnce lists this daemon's services, their tasks and the nodes, then
// routes each app to its web tasks that are meant to run, run, are on a
// ready node and have passed the readiness check; and reports tasks'
// changes to the log stream.
func (s *Swarm) followOnce(ctx context.Context) {
	s.follow.Lock()
	defer s.follow.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	services, nodes, tasks, err := s.look(ctx)
	if err != nil {
		// Once per failure, not four times a second.
		if msg := err.Error(); msg != s.followErr {
			s.log.Warn("follow the swarm: the router keeps the processes it has", "err", err)
			s.followErr = msg
		}
		return
	}
	if s.followErr != "" {
		s.log.Info("follow the swarm: the manager answers again")
		s.followErr = ""
	}
	byID := map[string]swarm.Service{}
	apps := map[string]bool{}
	for _, svc := range services {
		byID[svc.ID] = svc
		apps[svc.Spec.Labels[LabelApp]] = true
	}
	s.mu.Lock()
	s.nodes = map[string]swarm.Node{}
	for _, n := range nodes {
		s.nodes[n.ID] = n
	}
	s.mu.Unlock()

	type candidate struct {
		app, task string
		b         router.Backend
	}
	var cands []candidate
	listed := map[string]bool{}
	for _, t := range tasks {
		svc := byID[t.ServiceID]
		app, typ := svc.Spec.Labels[LabelApp], svc.Spec.Labels[LabelType]
		proc := typ + "." + strconv.Itoa(t.Slot)
		listed[t.ID] = true
		s.noteTask(app, proc, t)
		if typ != webType {
			continue
		}
		if addr, ok := s.taskAddr(t); ok {
			cands = append(cands, candidate{app: app, task: t.ID, b: router.Backend{Addr: addr, Name: proc}})
		}
	}

	// New candidates are checked at once, each within probeTimeout.
	var wg sync.WaitGroup
	for _, c := range cands {
		s.mu.Lock()
		known, health := s.tasks[c.task].readyAt == c.b.Addr, s.specs[c.app].HealthPath
		s.mu.Unlock()
		if known {
			continue
		}
		wg.Go(func() {
			probe := Container{ContainerAddr: c.b.Addr}
			ok := false
			if health == "" {
				ok = accepting(ctx, probe)
			} else {
				ok, _ = healthy(ctx, probe, health)
			}
			if ok {
				s.mu.Lock()
				seen := s.tasks[c.task]
				seen.readyAt = c.b.Addr
				s.tasks[c.task] = seen
				s.mu.Unlock()
			}
		})
	}
	wg.Wait()

	backends := map[string][]router.Backend{}
	s.mu.Lock()
	for _, c := range cands {
		if s.tasks[c.task].readyAt == c.b.Addr {
			backends[c.app] = append(backends[c.app], c.b)
		}
	}
	for id := range s.tasks {
		if !listed[id] {
			delete(s.tasks, id)
		}
	}
	// Every app with a service, and those routed before, whose last
	// service may have gone.
	set := map[string][]router.Backend{}
	for app := range s.routed {
		if !apps[app] {
			set[app] = nil
			delete(s.routed, app)
		}
	}
	for app := range apps {
		bs := backends[app]
		slices.SortFunc(bs, func(a, b router.Backend) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Addr, b.Addr)) })
		if !slices.Equal(bs, s.routed[app]) {
			s.routed[app] = bs
			set[app] = bs
		}
	}
	s.mu.Unlock()
	for app, bs := range set {
		s.routes.SetBackendsNamed(app, bs)
	}
}

// look lists this daemon's services, the swarm's nodes and the services'
// tasks.
func (s *Swarm) look(ctx context.Context) ([]swarm.Service, []swarm.Node, []swarm.Task, error) {
	services, err := s.api.ServiceList(ctx, swarm.ServiceListOptions{Filters: daemonFilter(s.opts.DaemonID)})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list services: %w", err)
	}
	nodes, err := s.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list nodes: %w", err)
	}
	if len(services) == 0 {
		return nil, nodes, nil, nil
	}
	tasks, err := s.tasksOf(ctx, services)
	if err != nil {
		return nil, nil, nil, err
	}
	return services, nodes, tasks, nil
}

// tasksOf lists the tasks of services. The swarm's tasks are listed and
// picked here: a filter naming a service removed meanwhile fails.
func (s *Swarm) tasksOf(ctx context.Context, services []swarm.Service) ([]swarm.Task, error) {
	all, err := s.api.TaskList(ctx, swarm.TaskListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	ids := map[string]bool{}
	for _, svc := range services {
		ids[svc.ID] = true
	}
	return slices.DeleteFunc(all, func(t swarm.Task) bool { return !ids[t.ServiceID] }), nil
}

// taskAddr is where the router reaches a web task: its node's address and
// the port the task published there, if it is meant to run, runs, and its
// node is ready.
func (s *Swarm) taskAddr(t swarm.Task) (string, bool) {
	if t.DesiredState != swarm.TaskStateRunning || t.Status.State != swarm.TaskStateRunning || t.Status.PortStatus.Ports == nil {
		return "", false
	}
	s.mu.Lock()
	n, ok := s.nodes[t.NodeID]
	s.mu.Unlock()
	if !ok || n.Status.State != swarm.NodeStateReady || n.Status.Addr == "" {
		return "", false
	}
	for _, p := range t.Status.PortStatus.Ports {
		if p.TargetPort == ContainerPort && p.PublishedPort != 0 {
			return net.JoinHostPort(n.Status.Addr, strconv.Itoa(int(p.PublishedPort))), true
		}
	}
	return "", false
}

// routedAll says whether the router reaches every running task of svc's
// current spec.
func (s *Swarm) routedAll(app string, svc swarm.Service, tasks []swarm.Task) bool {
	s.mu.Lock()
	routed := s.routed[app]
	s.mu.Unlock()
	for _, t := range tasks {
		if !currentSpec(svc, t) || t.DesiredState != swarm.TaskStateRunning {
			continue
		}
		addr, ok := s.taskAddr(t)
		if !ok || !slices.ContainsFunc(routed, func(b router.Backend) bool { return b.Addr == addr }) {
			return false
		}
	}
	return true
}

// noteTask reports a task's start and changes of state to the app's log
// stream, and has its output collected from the time it has a container.
func (s *Swarm) noteTask(app, proc string, t swarm.Task) {
	s.mu.Lock()
	prev, seen := s.tasks[t.ID]
	cur := prev
	cur.state = t.Status.State
	if cur.upSince.IsZero() && t.Status.State == swarm.TaskStateRunning {
		cur.upSince = time.Now()
		if !seen {
			// Running before paasd looked (a restart): its last status
			// report is the nearest time there is.
			cur.upSince = t.Status.Timestamp
		}
	}
	live := taskRuns(t)
	hasContainer := t.Status.ContainerStatus != nil && t.Status.ContainerStatus.ContainerID != ""
	// Once it has a container, also if it has ended since (a crash at
	// once): what it wrote says why. On paasd's first look only the live
	// ones: the others' output was collected before, or is history.
	collect := !cur.logged && hasContainer && (live || seen)
	cur.logged = cur.logged || collect
	s.tasks[t.ID] = cur
	s.mu.Unlock()
	if collect {
		s.events.ProcessStarted(app, proc, taskLogPrefix+t.ID)
	}
	if !seen {
		if live && t.Status.State != swarm.TaskStateRunning {
			s.event(app, proc, "Starting process on %s", s.hostname(t.NodeID))
		}
		return
	}
	if prev.state == t.Status.State {
		return
	}
	from, to := taskState(prev.state, swarm.TaskStateRunning), taskState(t.Status.State, t.DesiredState)
	if to == StateCrashed {
		exit := ""
		if cs := t.Status.ContainerStatus; cs != nil {
			exit = fmt.Sprintf(" with status %d", cs.ExitCode)
		}
		s.event(app, proc, "Process exited%s: %s", exit, t.Status.Err)
	}
	if from != to {
		s.event(app, proc, "State changed from %s to %s", from, to)
	}
}

// taskState is a task's state as paasctl ps shows a process's.
func taskState(st, desired swarm.TaskState) string {
	switch {
	case st == swarm.TaskStateRunning && desired != swarm.TaskStateRunning:
		return StateStopping
	case st == swarm.TaskStateRunning:
		return StateUp
	case st == swarm.TaskStateFailed || st == swarm.TaskStateRejected:
		return StateCrashed
	case st == swarm.TaskStateComplete || st == swarm.TaskStateShutdown || st == swarm.TaskStateOrphaned || st == swarm.TaskStateRemove:
		return "down"
	default:
		return StateStarting
	}
}

// taskLives says whether a task runs, or is to: it has not ended.
func taskLives(t swarm.Task) bool {
	st := taskState(t.Status.State, t.DesiredState)
	return st != "down" && st != StateCrashed
}

func (s *Swarm) hostname(nodeID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.nodes[nodeID]; ok && n.Description.Hostname != "" {
		return n.Description.Hostname
	}
	return shortID(nodeID)
}

func (s *Swarm) event(app, proc, format string, args ...any) {
	s.events.Event(app, proc+": "+fmt.Sprintf(format, args...))
}
