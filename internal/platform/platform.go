// Package platform is the coordinating layer: it runs a deploy (build, append
// release, run, cut over) and an app's lifecycle across the builder, the
// ledger and the runner, which do not know one another. The few edges
// between components go through small interfaces their consumer owns and
// the daemon wires: the runner updates the router's table (runner.Routes)
// and reports to the log stream (runner.Events).
package platform

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/applock"
	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/runner"
)

// ImageBuilder turns a build context into an image.
type ImageBuilder interface {
	Build(ctx context.Context, buildContext io.Reader, opts builder.BuildOptions, out io.Writer) (string, error)
}

// Images checks and removes images the platform built.
type Images interface {
	Exists(ctx context.Context, id string) (bool, error)
	// Remove drops a build's tag and its image unless something else still
	// uses it; one already gone is not an error.
	Remove(ctx context.Context, tag, id string) error
	// Tag names the engine's image ref also as tag and returns its ID; an
	// image the engine lacks gives an error wrapping releases.ErrNotFound.
	Tag(ctx context.Context, ref, tag string) (string, error)
}

// Runner runs a release's processes.
type Runner interface {
	Deploy(ctx context.Context, spec runner.Spec, out io.Writer) error
	Scale(ctx context.Context, spec runner.Spec, out io.Writer) error
	Restart(ctx context.Context, spec runner.Spec, processType string, out io.Writer) error
	RestartProcess(ctx context.Context, spec runner.Spec, name string, out io.Writer) error
	StopOneOff(ctx context.Context, app, name string) error
	StopApp(ctx context.Context, app string) error
	Restore(ctx context.Context, specs []runner.Spec) error
	Processes(ctx context.Context, app string) ([]runner.Process, error)
	RunOneOff(ctx context.Context, o runner.OneOff) (runner.OneOffResult, error)
}

// Logs is the app's log stream, for platform events.
type Logs interface {
	Platform(app, process, message string)
	Forget(app string) // on destroy: the app's history goes with it
	// Know takes a name in again after Forget, on create: until then
	// late lines of the destroyed app are dropped.
	Know(app string)
	// Rename moves the app's history and drains to its new name, after
	// its processes stopped under the old one, which is then forgotten.
	Rename(old, new string) error
	// AddonStarted follows an add-on container's output into the stream
	// of app, which it is attached to, as addon[addon] lines, until
	// AddonStopped (a detach) or the container is gone.
	AddonStarted(app, addon, container string)
	AddonStopped(app, container string)
}

// Routes is the router's app table.
type Routes interface {
	AddApp(app string)
	RemoveApp(app string)
	// SetDomains replaces the app's custom domains; RemoveApp drops them.
	SetDomains(app string, domains []string)
	// SetMaintenance turns the app's maintenance mode (503, H80) on or off.
	SetMaintenance(app string, on bool)
	// SetHTTPS sets the app's redirect to HTTPS and HSTS.
	SetHTTPS(app string, redirect, hsts bool)
}

// Repos holds the apps' git repositories.
type Repos interface {
	// RemoveRepo waits for a push to app in progress to finish (the
	// destroy has ended its build) so none writes into a removed, or a
	// new app's, repository.
	RemoveRepo(ctx context.Context, app string) error
	// RenameRepo moves the app's repository to its new name; it fails at
	// once, with gitserver.ErrPushUnderway, while a push to either deploys.
	RenameRepo(old, new string) error
	// Commit is a commit of the app's repository, to read files from;
	// gitserver.ErrNoCommit when the repository lacks it.
	Commit(app, hash string) (builder.Push, error)
}

// Options are the daemon's settings the platform needs to describe apps.
type Options struct {
	// WebURL and GitURL give an app's public addresses.
	WebURL func(app string) string
	GitURL func(app string) string
	// Domain is PAAS_DOMAIN, under which the platform serves every app as
	// "<app>.<Domain>": custom domains may not be in it.
	Domain string
	// KeepReleases is how many of an app's newest releases keep their
	// images for rollback; older images are removed.
	KeepReleases int
	// The runner's defaults, to show in an app's settings and limits.
	BootTimeout      time.Duration
	StopTimeout      time.Duration
	DefaultMemory    int64
	DefaultPIDs      int64
	DefaultCPUShares int64
	Logs             Logs // nil: platform events go only to the daemon's log
	Logger           *slog.Logger

	// DaemonID names this paasd on the Docker Engine; it is in the
	// repository of every image tag the platform makes ("paas-<id>/app").
	DaemonID string
	// Account is the API token's owner, who owns every app.
	Account api.Account
	// AllowPrivateSources (PAAS_SOURCE_ALLOW_PRIVATE) lets builds fetch
	// source blobs from this machine and link-local addresses.
	AllowPrivateSources bool
	// MaxSourceBytes bounds a source blob's download (the build context's
	// bound, PAAS_BUILD_CONTEXT_MAX).
	MaxSourceBytes int64
	// BuildLogDir keeps every build's output, a directory per app id; ""
	// is a temporary directory removed at Close (tests).
	BuildLogDir string
	// BuildConcurrency is how many builds run at once
	// (PAAS_BUILD_CONCURRENCY, DefaultBuildConcurrency); the others wait.
	BuildConcurrency int
	// BuildMemory caps each build step's memory (PAAS_BUILD_MEMORY,
	// DefaultBuildMemory); BuildTimeout a build's time
	// (PAAS_BUILD_TIMEOUT, DefaultBuildTimeout).
	BuildMemory  int64
	BuildTimeout time.Duration
	// BackupDir keeps the add-ons' backups, a directory per add-on id;
	// "" is a temporary directory removed at Close (tests). BackupKeep is
	// how many of an add-on's newest backups are kept (PAAS_BACKUP_KEEP,
	// DefaultBackupKeep).
	BackupDir  string
	BackupKeep int
}

// DefaultKeepReleases is Options.KeepReleases when unset.
const DefaultKeepReleases = 10

// Platform implements the API's Platform and the git server's Deployer.
type Platform struct {
	store   *releases.Store
	builder ImageBuilder
	images  Images
	runner  Runner
	routes  Routes
	repos   Repos
	sources Sources
	stacks  Stacks
	addons  AddonEngine
	certs   Certs
	// observer takes builds', deploys' and backups' results, for metrics.
	observer Observer
	builds   builds
	queue    *buildQueue
	opts     Options
	log      *slog.Logger

	stateOnce sync.Once
	tempDir   string // made for a BuildLogDir or BackupDir "", removed at Close

	locks applock.Locks // by app name: see lockApp
	work  appWork       // by app id: ended by apps:destroy

	background sync.WaitGroup  // image pruning and release watches
	ctx        context.Context // ends background work on Close
	cancel     context.CancelFunc
}

// New wires a platform. repos may be set later with SetRepos, since the git
// server itself needs the platform.
func New(store *releases.Store, b ImageBuilder, images Images, r Runner, routes Routes, opts Options) *Platform {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.KeepReleases <= 0 {
		opts.KeepReleases = DefaultKeepReleases
	}
	if opts.DefaultPIDs <= 0 {
		opts.DefaultPIDs = runner.DefaultPIDs
	}
	if opts.DefaultCPUShares <= 0 {
		opts.DefaultCPUShares = runner.DefaultCPUShares
	}
	if opts.BuildMemory <= 0 {
		opts.BuildMemory = DefaultBuildMemory
	}
	if opts.BuildTimeout <= 0 {
		opts.BuildTimeout = DefaultBuildTimeout
	}
	if opts.BackupKeep <= 0 {
		opts.BackupKeep = DefaultBackupKeep
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Platform{store: store, builder: b, images: images, runner: r, routes: routes, opts: opts, log: log,
		queue: newBuildQueue(opts.BuildConcurrency), ctx: ctx, cancel: cancel}
}

// Close stops release watches and waits for background work to finish.
func (p *Platform) Close() {
	p.cancel()
	p.background.Wait()
	if p.tempDir != "" {
		_ = os.RemoveAll(p.tempDir)
	}
}

// SetRepos completes the wiring once the git server exists.
func (p *Platform) SetRepos(r Repos) { p.repos = r }

// lockApp serialises every change to one app (deploys, destroy, later config
// changes and rollbacks), so they apply one after the other. It gives up when
// ctx ends before the lock is free. The runner has its own locks, taken
// after this one.
func (p *Platform) lockApp(ctx context.Context, app string) (unlock func(), err error) {
	unlock, err = p.locks.Lock(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("wait for another change to %s: %w", app, err)
	}
	return unlock, nil
}

// emit puts a platform event into the app's log stream as paas[process].
func (p *Platform) emit(app, process, message string) {
	if p.opts.Logs != nil {
		p.opts.Logs.Platform(app, process, message)
	}
}

// Observer takes the results of builds, deploys and backups as each ends
// (metrics). Its calls must not block.
type Observer interface {
	// BuildDone gives the build's builder (go, dockerfile...), status
	// (succeeded, failed, cancelled) and time from its start.
	BuildDone(app, builder, status string, d time.Duration)
	// DeployDone gives a release's outcome (succeeded, failed) as it was
	// put live, from a push, a config change or a rollback, and the time
	// from its release phase to the end of the cut-over.
	DeployDone(app, status string, d time.Duration)
	// BackupDone gives a backup's outcome (succeeded, failed) and time.
	BackupDone(addon, status string, d time.Duration)
}

// SetObserver gives o every build's, deploy's and backup's result from now
// on. Call it before serving.
func (p *Platform) SetObserver(o Observer) { p.observer = o }
