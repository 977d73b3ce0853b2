package runner

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

// OneOff is an admin or release-phase process: one command, run once.
type OneOff struct {
	Release releases.Release
	// Type is "run" (paasctl run) or "release" (release phase); the process
	// is named "<type>.<N>", N unique per app and type while paasd runs.
	Type    string
	Command string // run through /bin/sh -c
	// Stdin, when set, is copied to the process's stdin, and its EOF closes
	// it; nil = no stdin. Stdin should be closed by its owner once
	// RunOneOff returns, since a read cannot be interrupted.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Detach starts the process and returns at once (exit code 0); its output
	// only reaches the log stream, and its container removes itself when done.
	Detach    bool
	Memory    int64 // bytes; 0 = Options.DefaultMemory
	PIDs      int64 // 0 = Options.DefaultPIDs
	CPUShares int64 // 0 = Options.DefaultCPUShares
}

// OneOffResult is how a one-off process ended.
type OneOffResult struct {
	Process  string // "run.3"
	ExitCode int
}

// stateComplete is a one-off process that has exited, Heroku's name for it.
const stateComplete = "complete"

// RunOneOff runs a one-off process with the release's image and config and
// the formation's environment contract (PAAS_PROCESS=run.1, DYNO, PORT, ...),
// attached (no TTY; stdout and stderr kept apart), and returns its exit code.
// Its container is removed afterwards in every case, also when ctx ends, which
// kills it.
func (r *Runner) RunOneOff(ctx context.Context, o OneOff) (OneOffResult, error) {
	rel := o.Release
	if rel.App == "" || rel.Image == "" || rel.Version < 1 {
		return OneOffResult{}, fmt.Errorf("run: release %q v%d has no app, image or version", rel.App, rel.Version)
	}
	if strings.TrimSpace(o.Command) == "" {
		return OneOffResult{}, fmt.Errorf("run: no command given")
	}
	if o.Type == "" {
		o.Type = "run"
	}
	in := r.nextOneOff(rel.App, o.Type)
	spec := r.oneOffSpec(o, in)
	res := OneOffResult{Process: in.Process}
	if o.Detach {
		return res, r.runDetached(ctx, o, in, spec)
	}

	var started Container
	defer r.creatingContainer(spec.Name)()
	code, err := r.backend.Run(ctx, spec, Stdio{Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr}, func(c Container) {
		started = c
		r.oneOffStarted(o, in, c)
	})
	if started.ID != "" {
		// Forced: a process still running when ctx ended is killed.
		r.discard(ctx, []Container{started})
	}
	if err != nil {
		if started.ID != "" {
			r.event(rel.App, in.Process, "Process killed: %v", err)
		}
		return res, fmt.Errorf("run %s: %w", in.Process, err)
	}
	r.event(rel.App, in.Process, "Process exited with status %d", code)
	r.stateChanged(rel.App, in.Process, StateUp, stateComplete)
	res.ExitCode = code
	return res, nil
}

func (r *Runner) runDetached(ctx context.Context, o OneOff, in instance, spec ContainerSpec) error {
	spec.Labels[LabelOneOff] = oneOffDetached
	defer r.creatingContainer(spec.Name)()
	c, err := r.backend.Start(ctx, spec)
	if err != nil {
		return fmt.Errorf("run %s: %w", in.Process, err)
	}
	r.oneOffStarted(o, in, c)
	// Not the engine's auto-remove: a process that exits at once would take
	// its output with it before the collector attached. A restart of paasd
	// removes a finished one left behind.
	go func() {
		defer r.forget(c.ID)
		code, err := r.backend.Wait(context.Background(), c.ID)
		if err != nil {
			return
		}
		r.event(o.Release.App, in.Process, "Process exited with status %d", code)
		r.stateChanged(o.Release.App, in.Process, StateUp, stateComplete)
		time.Sleep(r.opts.DetachedKeep) // a grace period before cleanup, not synchronisation
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := r.backend.Remove(ctx, c.ID); err != nil {
			r.log.Warn("remove finished one-off", "container", c.Name, "err", err)
		}
	}()
	return nil
}

func (r *Runner) oneOffStarted(o OneOff, in instance, c Container) {
	app := o.Release.App
	r.setInfo(c.ID, StateUp, o.Command)
	r.events.ProcessStarted(app, in.Process, c.ID)
	r.event(app, in.Process, "Starting process with command `%s`", o.Command)
	r.stateChanged(app, in.Process, StateStarting, StateUp)
	r.log.Info("one-off process started", "app", app, "release", o.Release.Version, "process", in.Process, "container", c.Name)
}

// nextOneOff names the app's next one-off process of typ.
func (r *Runner) nextOneOff(app, typ string) instance {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := app + "/" + typ
	r.oneOffSeq[key]++
	return newInstance(typ, r.oneOffSeq[key])
}

func (r *Runner) oneOffSpec(o OneOff, in instance) ContainerSpec {
	rel := o.Release
	labels := r.labels(rel, in)
	labels[LabelOneOff] = oneOffAttached
	return ContainerSpec{
		Name:      containerName(rel.App, in.Process, rel.Version),
		Image:     rel.Image,
		Cmd:       []string{"/bin/sh", "-c", o.Command},
		Env:       processEnv(rel, in.Process),
		Labels:    labels,
		Memory:    orDefault(o.Memory, r.opts.DefaultMemory),
		PIDs:      orDefault(o.PIDs, r.opts.DefaultPIDs),
		CPUShares: orDefault(o.CPUShares, r.opts.DefaultCPUShares),
		Network:   r.network(rel.App),
	}
}

// tracked reports whether id is a container this runner started and has not
// seen end.
func (r *Runner) tracked(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.info[id]
	return ok
}

// StopOneOff stops app's running one-off process name (run.1): SIGTERM,
// then SIGKILL after the stop timeout.
func (r *Runner) StopOneOff(ctx context.Context, app, name string) error {
	cs, err := r.list(ctx, app)
	if err != nil {
		return fmt.Errorf("stop %s of %s: %w", name, app, err)
	}
	for _, c := range cs {
		if isOneOff(c) && c.Labels[LabelProcess] == name && c.Running {
			if err := r.backend.Stop(ctx, c.ID, r.opts.StopTimeout); err != nil {
				return fmt.Errorf("stop %s of %s: %w", name, app, err)
			}
			r.event(app, name, "Stopped")
			return nil
		}
	}
	return fmt.Errorf("stop %s of %s: %w: run paasctl ps to list the app's processes", name, app, ErrNoSuchProcess)
}
