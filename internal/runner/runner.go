package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/paas-dev/paas/internal/applock"
	"github.com/paas-dev/paas/internal/router"
)

// Routes is the router's backend table.
type Routes interface {
	// SetBackendsNamed names each backend after its process (web.2), for
	// the router's request log lines.
	SetBackendsNamed(app string, backends []router.Backend)
	// Drain waits until no request is in flight to addrs, which the caller
	// already removed with SetBackendsNamed.
	Drain(ctx context.Context, app string, addrs []string) error
}

// Events is the app's log stream.
type Events interface {
	// Event is a platform line (source paas[runner]); message starts with
	// the process name: "web.1: State changed from starting to up".
	Event(app, message string)
	// ProcessStarted is called on every container start, so the log
	// collector follows the container's output from its start.
	ProcessStarted(app, process, containerID string)
}

// Defaults follow Heroku: 60 s to boot (R10), 30 s from SIGTERM to SIGKILL;
// and Kubernetes' CrashLoopBackOff: 10 s doubling to 5 min, reset after
// 10 min up.
const (
	DefaultBootTimeout = 60 * time.Second
	DefaultStopTimeout = 30 * time.Second
	DefaultMemory      = 512 << 20
	// DefaultPIDs bounds each process's processes and threads, so a fork
	// bomb in one app cannot exhaust the machine's.
	DefaultPIDs = 512
	// DefaultCPUShares is the engine's own weight: every process counts the
	// same when the CPUs are busy, unless ps:limit says otherwise.
	DefaultCPUShares    = 1024
	DefaultBackoffBase  = 10 * time.Second
	DefaultBackoffMax   = 5 * time.Minute
	DefaultBackoffReset = 10 * time.Minute
	DefaultDetachedKeep = 30 * time.Second
)

// outputLines is how much of a failed process's output a deploy error shows.
const outputLines = 20

// cleanupTimeout bounds clean-up that runs after the caller's context ended.
const cleanupTimeout = 30 * time.Second

// Options configure a Runner.
type Options struct {
	DaemonID      string        // required: labels this daemon's containers
	BootTimeout   time.Duration // default 60s: new web processes must be ready within it
	StopTimeout   time.Duration // default 30s: SIGTERM -> SIGKILL grace
	DefaultMemory int64         // default 512 MiB: a process's memory limit unless its Spec sets one
	DefaultPIDs   int64         // default 512: a process's PID limit unless its Spec sets one
	// DefaultCPUShares (default 1024) is a process's CPU weight unless its
	// Spec sets one.
	DefaultCPUShares int64
	// A crashed process restarts at once; if it crashes again, after
	// BackoffBase (default 10s), doubling up to BackoffMax (default 5m). A
	// process that stayed up BackoffReset (default 10m) starts over.
	BackoffBase, BackoffMax, BackoffReset time.Duration
	// DetachedKeep (default 30s) is how long a finished detached one-off's
	// container stays, so the log collector reads all of its output even
	// when it exited at once.
	DetachedKeep time.Duration
	Events       Events // nil = none
	// PublishPorts publishes web processes' ports on 127.0.0.1 and routes
	// through them, for an engine whose containers paasd cannot reach at
	// their own address (PAAS_ROUTER_UPSTREAM=published). Otherwise the
	// router reaches them at their address on the app's network, as nginx
	// does for Dokku, without the engine's userland proxy in between.
	PublishPorts bool
	// Usage gives a running container's last sampled CPU and memory use
	// (a UsageSampler); nil leaves processes without.
	Usage  UsageReader
	Logger *slog.Logger
}

// UsageReader is what a container used, as last sampled.
type UsageReader interface {
	Usage(id string) (Usage, bool)
}

// Normalize fills in defaults.
func (o *Options) Normalize() {
	if o.BootTimeout <= 0 {
		o.BootTimeout = DefaultBootTimeout
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.DefaultMemory <= 0 {
		o.DefaultMemory = DefaultMemory
	}
	if o.DefaultPIDs <= 0 {
		o.DefaultPIDs = DefaultPIDs
	}
	if o.DefaultCPUShares <= 0 {
		o.DefaultCPUShares = DefaultCPUShares
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = DefaultBackoffBase
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = DefaultBackoffMax
	}
	if o.BackoffReset <= 0 {
		o.BackoffReset = DefaultBackoffReset
	}
	if o.DetachedKeep <= 0 {
		o.DetachedKeep = DefaultDetachedKeep
	}
	if o.Events == nil {
		o.Events = noEvents{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Validate reports settings the runner cannot work with.
func (o Options) Validate() error {
	if o.DaemonID == "" {
		return errors.New("runner options: DaemonID is required, it keeps two daemons on one engine apart")
	}
	return nil
}

type noEvents struct{}

func (noEvents) Event(string, string)                  {}
func (noEvents) ProcessStarted(string, string, string) {}

// Runner runs releases as containers on a Backend, points Routes at them and
// keeps them running.
type Runner struct {
	backend Backend
	routes  Routes
	events  Events
	opts    Options
	log     *slog.Logger

	routesMu sync.Mutex     // serialises computing and setting an app's routes
	watchers sync.WaitGroup // slot goroutines
	locks    applock.Locks  // by app name: see lockApp

	mu        sync.Mutex               // protects all of the following:
	apps      map[string]*appState     // the desired state and its slots
	info      map[string]containerInfo // by ID: containers no slot holds (booting, stopping, one-off)
	oneOffSeq map[string]int           // "app/type" -> last N
	creating  map[string]bool          // names of containers being created
	supervise context.Context          // non-nil while Supervise runs
}

// containerInfo is what the runner knows about a container beyond the
// backend's view.
type containerInfo struct {
	state   string
	command string
}

// New returns a Runner. It panics if opts.Validate fails: a missing DaemonID
// is a wiring bug, and running without one would touch other daemons'
// containers.
func New(backend Backend, routes Routes, opts Options) *Runner {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts.Normalize()
	return &Runner{
		backend:   backend,
		routes:    routes,
		events:    opts.Events,
		opts:      opts,
		log:       opts.Logger.With("component", "runner"),
		apps:      map[string]*appState{},
		info:      map[string]containerInfo{},
		oneOffSeq: map[string]int{},
		creating:  map[string]bool{},
	}
}

// StopApp stops and removes all of the app's containers, one-off ones too,
// and clears its routes.
func (r *Runner) StopApp(ctx context.Context, app string) error {
	unlock, err := r.lockApp(ctx, app)
	if err != nil {
		return err
	}
	defer unlock()
	r.mu.Lock()
	a := r.apps[app]
	delete(r.apps, app)
	r.mu.Unlock()
	// Routes first, so no request is sent to a process being stopped.
	r.routesMu.Lock()
	r.routes.SetBackendsNamed(app, nil)
	r.routesMu.Unlock()
	grace := r.opts.StopTimeout
	if a != nil {
		grace = r.stopTimeout(a.spec)
		for _, s := range a.slots {
			r.unwatch(s)
		}
	}
	cs, err := r.list(ctx, app)
	if err != nil {
		return fmt.Errorf("stop app %s: %w", app, err)
	}
	if err := r.stopAll(ctx, cs, grace); err != nil {
		return fmt.Errorf("stop app %s: %w", app, err)
	}
	if err := r.backend.RemoveNetwork(ctx, r.network(app)); err != nil {
		return fmt.Errorf("stop app %s: %w", app, err)
	}
	r.log.Info("app stopped", "app", app, "containers", len(cs))
	return nil
}

// start starts one container for in and announces it.
func (r *Runner) start(ctx context.Context, spec Spec, in instance, out io.Writer) (Container, error) {
	rel := spec.Release
	step(out, "Starting %s (%s)", in.Process, releaseLabel(rel.Version))
	cs := r.containerSpec(spec, in)
	defer r.creatingContainer(cs.Name)()
	c, err := r.backend.Start(ctx, cs)
	if err != nil {
		return Container{}, startError(spec, in, cs, err)
	}
	r.events.ProcessStarted(rel.App, in.Process, c.ID)
	r.event(rel.App, in.Process, "Starting process with command `%s`", commandText(rel, in.Type, c))
	r.log.Info("process starting", "app", rel.App, "release", rel.Version, "process", in.Process, "container", c.Name)
	return c, nil
}

func startError(spec Spec, in instance, cs ContainerSpec, err error) error {
	err = fmt.Errorf("start %s (%s): %w", in.Process, releaseLabel(spec.Release.Version), err)
	if cs.Cmd == nil {
		err = fmt.Errorf("%w (no %q process in the Procfile, so the image's CMD runs: add one of them)", err, in.Type)
	}
	return err
}

// lastOutput formats the tail of c's output for an error message. It reads
// with a context of its own: the logs are wanted most when ctx has ended.
func (r *Runner) lastOutput(ctx context.Context, c Container, proc string) string {
	logCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	lines, err := r.backend.Logs(logCtx, c.ID, outputLines)
	if err != nil {
		r.log.Warn("read output of failed process", "container", c.Name, "err", err)
		return ""
	}
	return formatOutput(proc, lines)
}

// formatOutput is a failed process's last lines, as an error shows them.
func formatOutput(proc string, lines []string) string {
	if len(lines) == 0 {
		return "\n" + proc + " wrote no output"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nlast output of %s:", proc)
	for _, l := range lines {
		b.WriteString("\n    " + l)
	}
	return b.String()
}

// discard removes containers that never went live.
func (r *Runner) discard(ctx context.Context, cs []Container) {
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	for _, c := range cs {
		if err := r.backend.Remove(rmCtx, c.ID); err != nil {
			r.log.Error("remove failed container", "container", c.Name, "err", err)
		}
		r.forget(c.ID)
	}
}

// stopAll stops (SIGTERM, SIGKILL after grace) and removes cs, all at once so
// that slow stoppers do not add up. It runs on even if ctx ends.
func (r *Runner) stopAll(ctx context.Context, cs []Container, grace time.Duration) error {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace+cleanupTimeout)
	defer cancel()
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.stopOne(stopCtx, c, grace)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (r *Runner) stopOne(ctx context.Context, c Container, grace time.Duration) error {
	app, proc := c.Labels[LabelApp], c.Labels[LabelProcess]
	if c.Running {
		r.event(app, proc, "Stopping process with SIGTERM")
		if err := r.backend.Stop(ctx, c.ID, grace); err != nil {
			// Remove forces it: the container goes either way.
			r.log.Warn("stop container", "container", c.Name, "err", err)
		} else if cur, err := r.backend.Inspect(ctx, c.ID); err == nil && !cur.Running {
			r.event(app, proc, "Process exited with status %d", cur.ExitCode)
		}
	}
	defer r.forget(c.ID)
	if err := r.backend.Remove(ctx, c.ID); err != nil {
		return err
	}
	r.log.Info("container removed", "container", c.Name, "process", proc, "release", c.Labels[LabelRelease])
	return nil
}

// list returns this daemon's containers of app, oldest first.
// routeAddr is where the router sends c's requests: its published port if
// ports are published, else its address on the app's network. A container
// started under the other setting (adopted after it changed) is reached
// the way it can be.
func (r *Runner) routeAddr(c Container) string {
	if r.opts.PublishPorts && c.HostAddr != "" || c.ContainerAddr == "" {
		return c.HostAddr
	}
	return c.ContainerAddr
}

func (r *Runner) list(ctx context.Context, app string) ([]Container, error) {
	return r.backend.List(ctx, map[string]string{LabelApp: app, LabelDaemon: r.opts.DaemonID})
}

// lockApp serialises the runner's work on one app, so two deploys never
// interleave their start, cut-over and stop. Slot goroutines never take it.
// It gives up when ctx ends before the lock is free.
func (r *Runner) lockApp(ctx context.Context, app string) (unlock func(), err error) {
	unlock, err = r.locks.Lock(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("wait for other work on %s: %w", app, err)
	}
	return unlock, nil
}

func (r *Runner) setInfo(id, state, command string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.info[id] = containerInfo{state: state, command: command}
}

func (r *Runner) setInfoState(id, state string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := r.info[id]
	i.state = state
	r.info[id] = i
}

func (r *Runner) forget(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.info, id)
}

// event writes a platform line about process proc to the app's log stream.
func (r *Runner) event(app, proc, format string, args ...any) {
	r.events.Event(app, proc+": "+fmt.Sprintf(format, args...))
}

// stateChanged announces a state change, Heroku's way.
func (r *Runner) stateChanged(app, proc, from, to string) {
	if from != to {
		r.event(app, proc, "State changed from %s to %s", from, to)
	}
}

// step writes a Heroku-style progress line.
func step(out io.Writer, format string, args ...any) {
	fmt.Fprintf(out, "-----> "+format+"\n", args...)
}
