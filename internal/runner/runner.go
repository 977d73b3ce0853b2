package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

// Routes is the router's backend table.
type Routes interface {
	SetBackends(app string, addrs []string)
}

// Defaults follow Heroku: 60 s to boot (R10), 30 s from SIGTERM to SIGKILL.
const (
	DefaultBootTimeout = 60 * time.Second
	DefaultStopTimeout = 30 * time.Second
)

// outputLines is how much of a failed process's output a deploy error shows.
const outputLines = 20

// cleanupTimeout bounds clean-up that runs after the caller's context ended.
const cleanupTimeout = 30 * time.Second

// Options configure a Runner.
type Options struct {
	DaemonID    string        // required: labels this daemon's containers
	BootTimeout time.Duration // default 60s: new web processes must accept connections within it
	StopTimeout time.Duration // default 30s: SIGTERM -> SIGKILL grace
	Logger      *slog.Logger
}

// Normalize fills in defaults.
func (o *Options) Normalize() {
	if o.BootTimeout <= 0 {
		o.BootTimeout = DefaultBootTimeout
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = DefaultStopTimeout
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

// Runner runs releases as containers on a Backend and points Routes at them.
type Runner struct {
	backend Backend
	routes  Routes
	opts    Options
	log     *slog.Logger

	mu      sync.Mutex // protects all of the following:
	locks   map[string]*sync.Mutex
	booting map[string]bool // IDs of containers started and not yet ready
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
		backend: backend,
		routes:  routes,
		opts:    opts,
		log:     opts.Logger.With("component", "runner"),
		locks:   map[string]*sync.Mutex{},
		booting: map[string]bool{},
	}
}

// Deploy starts rel's processes, waits until they accept connections, routes
// the app to them, then stops and removes the app's older containers. If a new
// process exits or does not listen within the boot timeout, the new
// containers are removed and the old ones and the routes stay as they were.
// Progress goes to out, the pusher's terminal.
func (r *Runner) Deploy(ctx context.Context, rel releases.Release, out io.Writer) error {
	if out == nil {
		out = io.Discard
	}
	if rel.App == "" || rel.Image == "" || rel.Version < 1 {
		return fmt.Errorf("deploy: release %q v%d has no app, image or version", rel.App, rel.Version)
	}
	unlock := r.lockApp(rel.App)
	defer unlock()

	old, err := r.list(ctx, rel.App)
	if err != nil {
		return fmt.Errorf("deploy %s %s: %w", rel.App, releaseLabel(rel.Version), err)
	}
	started, err := r.boot(ctx, rel, formation(rel), out)
	if err != nil {
		return err
	}
	r.route(rel.App, started)
	// The release is live from here on: a failure to stop an old container is
	// logged, not returned, and the next deploy or restore removes it.
	r.stopOld(ctx, rel.App, old, out)
	return nil
}

// StopApp stops and removes all of the app's containers and clears its routes.
func (r *Runner) StopApp(ctx context.Context, app string) error {
	unlock := r.lockApp(app)
	defer unlock()
	cs, err := r.list(ctx, app)
	if err != nil {
		return fmt.Errorf("stop app %s: %w", app, err)
	}
	// Routes first, so no request is sent to a process being stopped.
	r.routes.SetBackends(app, nil)
	if err := r.stopAll(ctx, cs); err != nil {
		return fmt.Errorf("stop app %s: %w", app, err)
	}
	r.log.Info("app stopped", "app", app, "containers", len(cs))
	return nil
}

// boot starts a container for each slot and waits until all are ready. On
// failure it removes every container it started and says why, with the
// failed process's last output.
func (r *Runner) boot(ctx context.Context, rel releases.Release, slots []slot, out io.Writer) ([]Container, error) {
	var started []Container
	defer func() {
		for _, c := range started {
			r.setBooting(c.ID, false)
		}
	}()
	fail := func(err error) ([]Container, error) {
		r.discard(ctx, started)
		return nil, err
	}
	for _, s := range slots {
		step(out, "Starting %s (%s)", s.Process, releaseLabel(rel.Version))
		spec := r.containerSpec(rel, s)
		c, err := r.backend.Start(ctx, spec)
		if err != nil {
			return fail(startError(rel, s, spec, err))
		}
		r.setBooting(c.ID, true)
		started = append(started, c)
		r.log.Info("process starting", "app", rel.App, "release", rel.Version, "process", s.Process, "container", c.Name)
	}
	for i, c := range started {
		proc := slots[i].Process
		if err := r.waitReady(ctx, c, r.opts.BootTimeout); err != nil {
			err = fmt.Errorf("boot %s (%s): %w%s", proc, releaseLabel(rel.Version), err, r.lastOutput(ctx, c, proc))
			r.log.Warn("process failed to boot", "app", rel.App, "release", rel.Version, "process", proc, "err", err)
			return fail(err)
		}
		step(out, "%s is up", proc)
		r.log.Info("process up", "app", rel.App, "release", rel.Version, "process", proc, "addr", c.HostAddr)
	}
	return started, nil
}

func startError(rel releases.Release, s slot, spec ContainerSpec, err error) error {
	err = fmt.Errorf("start %s (%s): %w", s.Process, releaseLabel(rel.Version), err)
	if spec.Cmd == nil {
		err = fmt.Errorf("%w (no %q process in the Procfile, so the image's CMD runs: add one of them)", err, s.Type)
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
	}
}

// route points the app at cs.
func (r *Runner) route(app string, cs []Container) {
	addrs := make([]string, 0, len(cs))
	for _, c := range cs {
		if c.HostAddr != "" {
			addrs = append(addrs, c.HostAddr)
		}
	}
	r.routes.SetBackends(app, addrs)
}

// stopOld stops and removes the containers a deploy replaced, one progress
// line per release. It runs to the end even if ctx ends: the new release is
// already live, so leaving the old one running would only waste the machine.
func (r *Runner) stopOld(ctx context.Context, app string, old []Container, out io.Writer) {
	if len(old) == 0 {
		return
	}
	var versions []string
	for _, c := range old {
		if v := c.Labels[LabelRelease]; !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
	}
	for _, v := range versions {
		step(out, "Stopping %s", v)
	}
	if err := r.stopAll(ctx, old); err != nil {
		r.log.Warn("stop replaced containers", "app", app, "err", err)
	}
}

// stopAll stops (SIGTERM, SIGKILL after the grace) and removes cs, all at
// once so that slow stoppers do not add up. It runs on even if ctx ends.
func (r *Runner) stopAll(ctx context.Context, cs []Container) error {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.StopTimeout+cleanupTimeout)
	defer cancel()
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.stopOne(stopCtx, c)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (r *Runner) stopOne(ctx context.Context, c Container) error {
	if c.Running {
		if err := r.backend.Stop(ctx, c.ID, r.opts.StopTimeout); err != nil {
			// Remove forces it: the container goes either way.
			r.log.Warn("stop container", "container", c.Name, "err", err)
		}
	}
	if err := r.backend.Remove(ctx, c.ID); err != nil {
		return err
	}
	r.log.Info("container removed", "container", c.Name, "process", c.Labels[LabelProcess], "release", c.Labels[LabelRelease])
	return nil
}

// list returns this daemon's containers of app, oldest first.
func (r *Runner) list(ctx context.Context, app string) ([]Container, error) {
	return r.backend.List(ctx, map[string]string{LabelApp: app, LabelDaemon: r.opts.DaemonID})
}

// lockApp serialises the runner's work on one app, so two deploys never
// interleave their start, cut-over and stop.
func (r *Runner) lockApp(app string) (unlock func()) {
	r.mu.Lock()
	m, ok := r.locks[app]
	if !ok {
		m = &sync.Mutex{}
		r.locks[app] = m
	}
	r.mu.Unlock()
	m.Lock()
	return m.Unlock
}

func (r *Runner) setBooting(id string, booting bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if booting {
		r.booting[id] = true
	} else {
		delete(r.booting, id)
	}
}

func (r *Runner) isBooting(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.booting[id]
}

// step writes a Heroku-style progress line.
func step(out io.Writer, format string, args ...any) {
	fmt.Fprintf(out, "-----> "+format+"\n", args...)
}
