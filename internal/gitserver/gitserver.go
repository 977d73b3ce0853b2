// Package gitserver receives git pushes over smart HTTP (go-git) into a bare
// repository per app, keeping a push's objects in quarantine until its
// deploy succeeds, and hands the pushed commit to a Deployer as a
// builder.Push; source blobs (DeploySource) arrive the same way.
package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/internal/applock"
	"github.com/paas-dev/paas/internal/releases"
)

// Apps tells the git server which apps accept pushes.
type Apps interface {
	AppExists(ctx context.Context, name string) (bool, error)
	// AppID is the app's id, "" when there is none: a push records it as
	// it starts, so its deploy can tell the app was replaced meanwhile.
	AppID(ctx context.Context, name string) (string, error)
}

// Deployer deploys a received push. Whatever it writes to out reaches the
// pusher as "remote:" lines; a returned error rejects the push and leaves the
// branch where it was.
type Deployer interface {
	Deploy(ctx context.Context, p builder.Push, out io.Writer) error
}

// Default push limits (see Options).
const (
	DefaultMaxPushBytes   int64 = 1 << 30   // 1 GiB
	DefaultMaxObjectBytes int64 = 100 << 20 // 100 MiB, GitHub's limit per file
	// The build context, the pushed commit's files as the engine receives
	// them: a push's objects are bounded as sent, but one large file can be
	// named by many tree entries, each written out whole.
	DefaultMaxContextBytes int64 = 2 << 30 // 2 GiB
	DefaultMaxContextFiles       = 200_000 // files, directories and symlinks
)

// maxSpooling is how many pushes may be receiving their packs at once.
const maxSpooling = 4

// maxCommandBytes bounds the commands of a push (one ref each, about 100
// bytes): some ten thousand refs, a push of every tag of a large project, and
// far from the memory a million would take.
const maxCommandBytes = 1 << 20

// largeObjectThreshold: stored objects larger than this are streamed from
// disk when read rather than loaded whole (go-git's LargeObjectThreshold).
const largeObjectThreshold = 1 << 20

// Options bound what one push may bring, so that a push cannot
// exhaust the daemon's memory or disk. A zero field takes its default.
type Options struct {
	// MaxPushBytes caps the receive-pack request body: the commands and the
	// packfile, as sent (default DefaultMaxPushBytes).
	MaxPushBytes int64
	// MaxObjectBytes caps the size of each pushed object once inflated,
	// such as one version of a file (default DefaultMaxObjectBytes). A
	// push holding a larger one is refused before anything is stored.
	MaxObjectBytes int64
	// MaxContextBytes and MaxContextFiles cap the build context a pushed
	// commit makes: the size of its files, each counted as often as the
	// tree names it, and its number of entries (defaults
	// DefaultMaxContextBytes, DefaultMaxContextFiles).
	MaxContextBytes int64
	MaxContextFiles int
}

func (o Options) withDefaults() Options {
	if o.MaxContextBytes <= 0 {
		o.MaxContextBytes = DefaultMaxContextBytes
	}
	if o.MaxContextFiles <= 0 {
		o.MaxContextFiles = DefaultMaxContextFiles
	}
	if o.MaxPushBytes <= 0 {
		o.MaxPushBytes = DefaultMaxPushBytes
	}
	if o.MaxObjectBytes <= 0 {
		o.MaxObjectBytes = DefaultMaxObjectBytes
	}
	return o
}

// Server receives pushes over git's smart HTTP protocol into bare
// repositories, one per app, and deploys pushes to main or master. The whole
// receive flow lives behind it, so moving to go-git v6 stays local.
type Server struct {
	reposDir string
	apps     Apps
	deployer Deployer
	log      *slog.Logger
	// storing admits one push at a time to go-git's pack parser, whose
	// memory grows with the largest object: concurrent pushes must not
	// multiply that.
	storing chan struct{}
	// spooling bounds the pushes whose packs are written to disk at once,
	// each up to MaxPushBytes.
	spooling chan struct{}
	pushing  applock.Locks // by app name: see lockApp

	mu     sync.Mutex // protects limits, and serialises opening repositories
	limits Options
}

// New returns a git server keeping bare repositories in reposDir,
// with the default limits.
func New(reposDir string, apps Apps, deployer Deployer, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// Before any push: what a crash left in quarantine was never accepted.
	if err := removeQuarantines(reposDir); err != nil {
		logger.Error("remove the objects of pushes cut short", "err", err)
	}
	return &Server{
		reposDir: reposDir,
		apps:     apps,
		deployer: deployer,
		log:      logger,
		storing:  make(chan struct{}, 1),
		spooling: make(chan struct{}, maxSpooling),
		limits:   Options{}.withDefaults(),
	}
}

// SetLimits replaces the push limits; zero fields take the defaults. It
// applies to pushes that start afterwards.
func (g *Server) SetLimits(o Options) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limits = o.withDefaults()
}

// Limits returns the push limits in force.
func (g *Server) Limits() Options {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limits
}

// Register adds the smart-HTTP routes. Authentication is the caller's
// middleware's job.
func (g *Server) Register(r *mux.Router) {
	r.HandleFunc("/git/{app}.git/info/refs", g.infoRefs).Methods(http.MethodGet)
	r.HandleFunc("/git/{app}.git/git-receive-pack", g.receivePack).Methods(http.MethodPost)
	r.HandleFunc("/git/{app}.git/git-upload-pack", g.uploadPack).Methods(http.MethodPost)
}

// RemoveRepo deletes the app's repository (apps:destroy). It waits for a
// push in its deploy to finish, so that no ref is written into the removed
// repository, or into that of an app created next under the same name. The
// caller must first end that push's deploy (the platform's destroy does),
// which may be waiting for the caller's own lock.
func (g *Server) RemoveRepo(ctx context.Context, app string) error {
	dir, err := g.repoDir(app)
	if err != nil {
		return err
	}
	unlock, err := g.pushing.Lock(ctx, app)
	if err != nil {
		return fmt.Errorf("remove repository of %s: wait for a push to finish: %w", app, err)
	}
	defer unlock()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove repository of %s: %w", app, err)
	}
	return nil
}

// ErrPushUnderway is RenameRepo's refusal while a push to the app deploys.
var ErrPushUnderway = errors.New("a push is under way")

// RenameRepo moves the repository of app old to the name new (apps:rename),
// replacing what an app destroyed under the name new may have left. It does
// not wait for a push under way to either name, whose deploy may be waiting
// for the caller's own lock: it fails with ErrPushUnderway instead.
func (g *Server) RenameRepo(old, new string) error {
	from, err := g.repoDir(old)
	if err != nil {
		return err
	}
	to, err := g.repoDir(new)
	if err != nil {
		return err
	}
	for _, app := range []string{old, new} {
		unlock, ok := g.pushing.TryLock(app)
		if !ok {
			return fmt.Errorf("rename repository of %s: %w to %s: rename the app once it has finished", old, ErrPushUnderway, app)
		}
		defer unlock()
	}
	g.mu.Lock() // no repository opened meanwhile
	defer g.mu.Unlock()
	if err := os.RemoveAll(to); err != nil {
		return fmt.Errorf("rename repository of %s: remove the leftover repository %s: %w", old, to, err)
	}
	if err := os.Rename(from, to); err != nil && !errors.Is(err, fs.ErrNotExist) { // none before the first push
		return fmt.Errorf("rename repository of %s: %w", old, err)
	}
	return nil
}

// repoDir is the only place a path is built from an app name, after the name
// is validated.
func (g *Server) repoDir(app string) (string, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return "", err
	}
	return filepath.Join(g.reposDir, app+".git"), nil
}

// openRepo opens the app's bare repository; git.ErrRepositoryNotExists
// before the first push.
func (g *Server) openRepo(app string) (*git.Repository, error) {
	dir, err := g.repoDir(app)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return openBare(dir)
}

// openOrInitRepo opens the app's bare repository, creating it on first push.
func (g *Server) openOrInitRepo(app string) (*git.Repository, error) {
	dir, err := g.repoDir(app)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	repo, err := openBare(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		if err := os.MkdirAll(g.reposDir, 0o700); err != nil {
			return nil, fmt.Errorf("create repositories directory: %w", err)
		}
		if _, err := git.PlainInit(dir, true); err != nil {
			return nil, fmt.Errorf("create repository of %s: %w", app, err)
		}
		g.log.Info("repository created", "app", app)
		repo, err = openBare(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open repository of %s: %w", app, err)
	}
	return repo, nil
}

// openBare opens a bare repository whose large objects are read as streams,
// so that Push.WriteTar does not hold a large file in memory;
// git.ErrRepositoryNotExists when there is none.
func openBare(dir string) (*git.Repository, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, git.ErrRepositoryNotExists
	} else if err != nil {
		return nil, err
	}
	st := filesystem.NewStorageWithOptions(osfs.New(dir), cache.NewObjectLRUDefault(),
		filesystem.Options{LargeObjectThreshold: largeObjectThreshold})
	return git.Open(st, nil)
}

// lockApp serialises pushes to one app, from the old-value check to the ref
// update; a pusher who gives up stops waiting. waiting is called when another
// push holds the lock, so the pusher learns why nothing happens.
func (g *Server) lockApp(ctx context.Context, app string, waiting func()) (unlock func(), err error) {
	if unlock, ok := g.pushing.TryLock(app); ok {
		return unlock, nil
	}
	waiting()
	unlock, err = g.pushing.Lock(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("wait for another push to %s: %w", app, err)
	}
	return unlock, nil
}
