package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	engineevents "github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/paas-dev/paas/internal/applock"
	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/router"
)

// SwarmAPI is the part of a swarm manager's Docker client the Swarm runner
// needs.
type SwarmAPI interface {
	Info(ctx context.Context) (system.Info, error)
	NodeList(ctx context.Context, options swarm.NodeListOptions) ([]swarm.Node, error)
	ServiceCreate(ctx context.Context, spec swarm.ServiceSpec, options swarm.ServiceCreateOptions) (swarm.ServiceCreateResponse, error)
	ServiceUpdate(ctx context.Context, id string, version swarm.Version, spec swarm.ServiceSpec, options swarm.ServiceUpdateOptions) (swarm.ServiceUpdateResponse, error)
	ServiceInspectWithRaw(ctx context.Context, id string, options swarm.ServiceInspectOptions) (swarm.Service, []byte, error)
	ServiceList(ctx context.Context, options swarm.ServiceListOptions) ([]swarm.Service, error)
	ServiceRemove(ctx context.Context, id string) error
	TaskList(ctx context.Context, options swarm.TaskListOptions) ([]swarm.Task, error)
	TaskInspectWithRaw(ctx context.Context, id string) (swarm.Task, []byte, error)
	TaskLogs(ctx context.Context, id string, options container.LogsOptions) (io.ReadCloser, error)
	ContainerLogs(ctx context.Context, id string, options container.LogsOptions) (io.ReadCloser, error)
	ImageInspect(ctx context.Context, id string, options ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageSave(ctx context.Context, ids []string, options ...client.ImageSaveOption) (io.ReadCloser, error)
	ContainerCreate(ctx context.Context, config *container.Config, host *container.HostConfig, networking *network.NetworkingConfig, platform *ocispec.Platform, name string) (container.CreateResponse, error)
	ContainerStatPath(ctx context.Context, id, path string) (container.PathStat, error)
	ContainerRemove(ctx context.Context, id string, options container.RemoveOptions) error
	Events(ctx context.Context, options engineevents.ListOptions) (<-chan engineevents.Message, <-chan error)
	NetworkCreate(ctx context.Context, name string, options network.CreateOptions) (network.CreateResponse, error)
}

// NodeEngine is a swarm node's own engine, which paasd copies images into:
// with no registry, a node has only the images it was given.
type NodeEngine interface {
	ImageInspect(ctx context.Context, id string, options ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageLoad(ctx context.Context, input io.Reader, options ...client.ImageLoadOption) (image.LoadResponse, error)
}

// Swarm runs releases on Docker Swarm (PAAS_BACKEND=swarm, paasd on a
// manager): each process type of an app is one replicated service, whose
// tasks are its processes (web.1 is the task in slot 1). The swarm keeps
// them running and rolls them over, new before old, once the new ones are
// healthy; Swarm follows the running tasks into the router. One-off
// processes run as containers on the manager's engine, through a Runner.
type Swarm struct {
	api     SwarmAPI
	routes  Routes
	events  Events
	opts    Options
	log     *slog.Logger
	oneOffs *Runner
	engines func(ctx context.Context) map[string]NodeEngine
	locks   applock.Locks // by app: deploys, scaling, restarts, stops

	follow    sync.Mutex // one pass of the follower at a time, and guards followErr
	followErr string     // the last pass's failure, logged once

	mu     sync.Mutex                  // protects all of the following:
	specs  map[string]Spec             // by app: the desired state, for the health path
	tasks  map[string]taskSeen         // by task ID: what the follower saw last
	routed map[string][]router.Backend // by app: the router's backends as last set
	nodes  map[string]swarm.Node       // by ID, as of the follower's last pass
	selfID string                      // the manager's node ID, once asked
	shells map[string]bool             // by image ID: whether it has /bin/sh
}

// NewSwarm returns a Swarm runner on the manager api. oneOffs runs one-off
// processes on the manager's own engine; engines gives the engines of the
// other nodes by node ID (PAAS_SWARM_NODES). It panics if opts.Validate
// fails, as New does.
func NewSwarm(api SwarmAPI, routes Routes, oneOffs *Runner, engines func(context.Context) map[string]NodeEngine, opts Options) *Swarm {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts.Normalize()
	return &Swarm{
		api: api, routes: routes, events: opts.Events, opts: opts, oneOffs: oneOffs, engines: engines,
		log:    opts.Logger.With("component", "swarm"),
		specs:  map[string]Spec{},
		tasks:  map[string]taskSeen{},
		routed: map[string][]router.Backend{},
		nodes:  map[string]swarm.Node{},
		shells: map[string]bool{},
	}
}

// Deploy rolls every process type of spec's formation onto its release,
// the web type first, and returns once the swarm has finished and the
// router reaches the new web processes. If the web type's update fails, it
// is rolled back and the other types are left as they were; another type
// that fails is reported to out and the app's log, as on one engine, and
// does not fail the deploy.
func (s *Swarm) Deploy(ctx context.Context, spec Spec, out io.Writer) error {
	return s.converge(ctx, spec, "", false, out)
}

// Scale sets each type's number of tasks.
func (s *Swarm) Scale(ctx context.Context, spec Spec, out io.Writer) error {
	return s.converge(ctx, spec, "", false, out)
}

// Restart replaces the processes of one type (all if processType is ""),
// new before old, as a deploy does.
func (s *Swarm) Restart(ctx context.Context, spec Spec, processType string, out io.Writer) error {
	if processType != "" {
		if err := checkType(spec.Release, processType); err != nil {
			return err
		}
	}
	return s.converge(ctx, spec, processType, true, out)
}

// RestartProcess is not offered on a swarm, whose services replace their
// tasks together: the error says to restart the type.
func (s *Swarm) RestartProcess(ctx context.Context, spec Spec, name string, out io.Writer) error {
	typ, _ := parseProcess(name)
	return fmt.Errorf("restart %s: %w: on a swarm one process cannot be restarted alone; restart its type, new before old: paasctl ps:restart %s", name, releases.ErrInvalid, typ)
}

func (s *Swarm) converge(ctx context.Context, spec Spec, only string, restart bool, out io.Writer) error {
	if err := spec.validate(); err != nil {
		return err
	}
	app := spec.Release.App
	unlock, err := s.locks.Lock(ctx, app)
	if err != nil {
		return err
	}
	defer unlock()
	s.mu.Lock()
	prev, had := s.specs[app]
	s.specs[app] = spec
	s.mu.Unlock()
	err = s.convergeLocked(ctx, spec, only, restart, out)
	if err != nil && had {
		// The release before stays live: its health path and commands too.
		s.mu.Lock()
		s.specs[app] = prev
		s.mu.Unlock()
	}
	return err
}

func (s *Swarm) convergeLocked(ctx context.Context, spec Spec, only string, restart bool, out io.Writer) error {
	img, err := s.spreadImage(ctx, spec.Release.Image, out)
	if err != nil {
		return err
	}
	services, err := s.services(ctx, spec.Release.App)
	if err != nil {
		return err
	}
	for _, typ := range formationTypes(spec, services) {
		if only != "" && typ != only {
			continue
		}
		err := s.apply(ctx, spec, typ, img, services[typ], restart, out)
		if err != nil && typ == webType {
			return err
		}
		if err != nil {
			// As on one engine: the web processes decide a deploy; a
			// type that fails is reported and left to the swarm, which
			// rolled it back and retries its tasks.
			step(out, "%v", err)
			s.events.Event(spec.Release.App, fmt.Sprintf("%s: %v", typ, err))
		}
	}
	return nil
}

// formationTypes are the types to apply: the formation's, and those with a
// service but no longer in the formation (scaled to 0), web first.
func formationTypes(spec Spec, services map[string]swarm.Service) []string {
	set := map[string]bool{}
	for t, n := range spec.Formation {
		if t != releaseType && n > 0 {
			set[t] = true
		}
	}
	for t := range services {
		set[t] = true
	}
	return slices.SortedFunc(maps.Keys(set), compareTypes)
}

// StopApp removes the app's services and its one-off containers, and
// clears its routes.
func (s *Swarm) StopApp(ctx context.Context, app string) error {
	unlock, err := s.locks.Lock(ctx, app)
	if err != nil {
		return err
	}
	defer unlock()
	services, err := s.services(ctx, app)
	if err != nil {
		return fmt.Errorf("stop %s: %w", app, err)
	}
	// Routes first, so no request is sent to a process being stopped; the
	// follower waits, so that it does not route the app again meanwhile.
	s.follow.Lock()
	s.mu.Lock()
	grace := orDuration(s.specs[app].StopTimeout, s.opts.StopTimeout)
	delete(s.specs, app)
	delete(s.routed, app)
	s.mu.Unlock()
	s.routes.SetBackendsNamed(app, nil)
	var errs []error
	var removed []swarm.Service
	for _, svc := range services {
		if err := s.api.ServiceRemove(ctx, svc.ID); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("stop %s: remove service %s: %w", app, svc.Spec.Name, err))
			continue
		}
		removed = append(removed, svc)
	}
	s.follow.Unlock()
	if len(removed) > 0 {
		// The app's network goes with its one-offs, once no task is on it.
		if err := s.waitTasksGone(ctx, removed, grace+30*time.Second); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", app, err))
		}
	}
	errs = append(errs, s.oneOffs.StopApp(ctx, app))
	return errors.Join(errs...)
}

// waitTasksGone waits until no task of services still runs, but on a node
// that is down: the swarm removes those once it is back.
func (s *Swarm) waitTasksGone(ctx context.Context, services []swarm.Service, bound time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	tick := time.NewTicker(followEvery)
	defer tick.Stop()
	for {
		tasks, err := s.tasksOf(ctx, services)
		var nodes []swarm.Node
		if err == nil {
			nodes, err = s.api.NodeList(ctx, swarm.NodeListOptions{})
		}
		if err == nil && !slices.ContainsFunc(tasks, func(t swarm.Task) bool {
			return taskLives(t) && slices.ContainsFunc(nodes, func(n swarm.Node) bool { return n.ID == t.NodeID && n.Status.State == swarm.NodeStateReady })
		}) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the processes to stop: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// Restore adopts the services of the apps in specs at daemon start: a
// service already on its release and scale is left alone (nothing is
// redeployed); one that is not is brought there. Services of apps no spec
// names are removed, and so are one-off containers whose caller is gone.
func (s *Swarm) Restore(ctx context.Context, specs []Spec) error {
	known := map[string]bool{}
	var errs []error
	oneOffSpecs := make([]Spec, 0, len(specs))
	for _, spec := range specs {
		known[spec.Release.App] = true
		s.mu.Lock()
		s.specs[spec.Release.App] = spec
		s.mu.Unlock()
		if err := s.adopt(ctx, spec); err != nil {
			errs = append(errs, fmt.Errorf("restore %s: %w", spec.Release.App, err))
		}
		spec.Formation = nil // the one-off runner keeps only the app's one-offs
		oneOffSpecs = append(oneOffSpecs, spec)
	}
	all, err := s.api.ServiceList(ctx, swarm.ServiceListOptions{Filters: daemonFilter(s.opts.DaemonID)})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("restore: list services: %w", err))...)
	}
	for _, svc := range all {
		if app := svc.Spec.Labels[LabelApp]; app != "" && !known[app] {
			if err := s.api.ServiceRemove(ctx, svc.ID); err != nil && !isNotFound(err) {
				errs = append(errs, fmt.Errorf("restore: remove service %s of a deleted app: %w", svc.Spec.Name, err))
			}
		}
	}
	errs = append(errs, s.oneOffs.Restore(ctx, oneOffSpecs))
	// Routed before paasd serves: the router has the running tasks at once.
	s.followOnce(ctx)
	return errors.Join(errs...)
}

// adopt leaves an app's services that match spec as they are, and brings
// the others in line without waiting.
func (s *Swarm) adopt(ctx context.Context, spec Spec) error {
	if err := spec.validate(); err != nil {
		return err
	}
	services, err := s.services(ctx, spec.Release.App)
	if err != nil {
		return err
	}
	for _, typ := range formationTypes(spec, services) {
		svc := services[typ]
		want := uint64(spec.Formation[typ])
		if svc.ID != "" && svc.Spec.Labels[LabelRelease] == releaseLabel(spec.Release.Version) && replicas(svc) == want {
			continue
		}
		img, err := s.spreadImage(ctx, spec.Release.Image, io.Discard)
		if err != nil {
			return err
		}
		if _, _, err := s.put(ctx, spec, typ, img, svc, false); err != nil {
			return err
		}
	}
	return nil
}

// RunOneOff runs a one-off process as a container on the manager's engine.
func (s *Swarm) RunOneOff(ctx context.Context, o OneOff) (OneOffResult, error) {
	return s.oneOffs.RunOneOff(ctx, o)
}

// StopOneOff stops a one-off process.
func (s *Swarm) StopOneOff(ctx context.Context, app, name string) error {
	return s.oneOffs.StopOneOff(ctx, app, name)
}

// SetUsage gives Processes what the tasks' containers use; call it before
// Supervise.
func (s *Swarm) SetUsage(u UsageReader) { s.opts.Usage = u }

// ManagerID is the node ID of the manager paasd's engine is, or an error
// that says what to do if it is none.
func (s *Swarm) ManagerID(ctx context.Context) (string, error) {
	return s.self(ctx)
}
