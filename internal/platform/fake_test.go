package platform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/runner"
)

// fakeBuilder "builds" an image named after the commit.
type fakeBuilder struct {
	mu     sync.Mutex
	builds int
	fail   error
	opts   builder.BuildOptions // the last build's
	// hold, when set, keeps every build running until it is closed or the
	// build's context ends; started gets a value as each build starts.
	hold    chan struct{}
	started chan struct{}
}

func (b *fakeBuilder) Build(ctx context.Context, buildContext io.Reader, opts builder.BuildOptions, out io.Writer) (string, error) {
	if _, err := io.Copy(io.Discard, buildContext); err != nil {
		return "", err
	}
	b.mu.Lock()
	hold, started := b.hold, b.started
	b.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.opts = opts
	if b.fail != nil {
		return "", b.fail
	}
	b.builds++
	io.WriteString(out, "Step 1/1 : FROM scratch\n")
	return "sha256:" + opts.Tag, nil
}

// fakeImages keeps a set of images.
type fakeImages struct {
	mu      sync.Mutex
	present map[string]bool
	removed []string
}

func (f *fakeImages) Exists(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.present[id], nil
}

func (f *fakeImages) Remove(_ context.Context, _, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.present, id)
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeImages) Tag(_ context.Context, ref, _ string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.present[ref] {
		return "", fmt.Errorf("image %s: %w", ref, releases.ErrNotFound)
	}
	return ref, nil
}

func (f *fakeImages) add(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.present[id] = true
}

// fakeRunner records what was put live and can be told to fail.
type fakeRunner struct {
	mu        sync.Mutex
	deployed  []releases.Release
	specs     []runner.Spec
	fail      error
	procs     []runner.Process
	oneOffs   []runner.OneOff
	exitCode  int
	restarted []string // processes RestartProcess was given
	stopped   []string // apps StopApp was given
}

func (r *fakeRunner) Deploy(_ context.Context, spec runner.Spec, _ io.Writer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.deployed = append(r.deployed, spec.Release)
	r.specs = append(r.specs, spec)
	return nil
}

func (r *fakeRunner) Scale(_ context.Context, spec runner.Spec, _ io.Writer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.specs = append(r.specs, spec)
	return nil
}

func (r *fakeRunner) Restart(_ context.Context, spec runner.Spec, _ string, _ io.Writer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.specs = append(r.specs, spec)
	return r.fail
}

func (r *fakeRunner) RestartProcess(_ context.Context, spec runner.Spec, name string, _ io.Writer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.specs = append(r.specs, spec)
	r.restarted = append(r.restarted, name)
	if !slices.ContainsFunc(r.procs, func(p runner.Process) bool { return p.Name == name }) {
		return fmt.Errorf("restart %s: %w", name, runner.ErrNoSuchProcess)
	}
	return r.fail
}

// StopOneOff knows no one-off: a stop goes to RestartProcess.
func (r *fakeRunner) StopOneOff(_ context.Context, _, name string) error {
	return fmt.Errorf("stop %s: %w", name, runner.ErrNoSuchProcess)
}

func (r *fakeRunner) StopApp(_ context.Context, app string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = append(r.stopped, app)
	return nil
}

func (r *fakeRunner) Restore(context.Context, []runner.Spec) error { return nil }

func (r *fakeRunner) Processes(context.Context, string) ([]runner.Process, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.procs, nil
}

func (r *fakeRunner) RunOneOff(_ context.Context, o runner.OneOff) (runner.OneOffResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.oneOffs = append(r.oneOffs, o)
	if o.Stdout != nil {
		io.WriteString(o.Stdout, "one-off output\n")
	}
	return runner.OneOffResult{Process: o.Type + ".1", ExitCode: r.exitCode}, nil
}

func (r *fakeRunner) setFail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = err
}

func (r *fakeRunner) last() releases.Release {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.deployed[len(r.deployed)-1]
}

func (r *fakeRunner) lastSpec() runner.Spec {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.specs[len(r.specs)-1]
}

// fakeLogs records platform events.
type fakeLogs struct {
	mu    sync.Mutex
	lines []string
}

func (l *fakeLogs) Platform(app, process, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, app+" paas["+process+"]: "+message)
}

func (l *fakeLogs) Forget(string) {}

func (l *fakeLogs) Know(string) {}

func (l *fakeLogs) AddonStarted(app, addon, container string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, app+" follows addon["+addon+"] in "+container)
}

func (l *fakeLogs) AddonStopped(app, container string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, app+" stops following "+container)
}

func (l *fakeLogs) Rename(old, new string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, "renamed "+old+" to "+new)
	return nil
}

func (l *fakeLogs) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

type fakeRoutes struct{}

func (fakeRoutes) AddApp(string)               {}
func (fakeRoutes) SetMaintenance(string, bool) {}
func (fakeRoutes) SetHTTPS(string, bool, bool) {}
func (fakeRoutes) RemoveApp(string)            {}
func (fakeRoutes) SetDomains(string, []string) {}

type fixture struct {
	p       *Platform
	store   *releases.Store
	builder *fakeBuilder
	images  *fakeImages
	runner  *fakeRunner
	logs    *bytes.Buffer
	events  *fakeLogs
}

func newFixture(t *testing.T, keep int) *fixture {
	t.Helper()
	store, err := releases.Open(filepath.Join(t.TempDir(), "paas.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &fixture{store: store, builder: &fakeBuilder{}, images: &fakeImages{present: map[string]bool{}}, runner: &fakeRunner{}, logs: &bytes.Buffer{}, events: &fakeLogs{}}
	f.p = New(store, f.builder, f.images, f.runner, fakeRoutes{}, Options{
		WebURL:       func(app string) string { return "http://" + app + ".localhost/" },
		GitURL:       func(app string) string { return "http://git/" + app + ".git" },
		KeepReleases: keep,
		Logs:         f.events,
		Logger:       slog.New(slog.NewTextHandler(f.logs, nil)),
	})
	t.Cleanup(f.p.Close)
	return f
}

func (f *fixture) createApp(t *testing.T, name string) {
	t.Helper()
	if _, err := f.p.CreateApp(context.Background(), name); err != nil {
		t.Fatal(err)
	}
}

// push deploys a commit holding files, as the git server would after a push.
func (f *fixture) push(t *testing.T, app string, files map[string]string) error {
	t.Helper()
	return f.pushTo(t, app, files, io.Discard)
}

// pushTo is push with the pusher's terminal out.
func (f *fixture) pushTo(t *testing.T, app string, files map[string]string, out io.Writer) error {
	t.Helper()
	repo, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		fh, err := wt.Filesystem.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fh, body)
		fh.Close()
		if _, err := wt.Add(name); err != nil {
			t.Fatal(err)
		}
	}
	sig := &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}
	hash, err := wt.Commit("c", &git.CommitOptions{Author: sig, AllowEmptyCommits: true})
	if err != nil {
		t.Fatal(err)
	}
	err = f.p.Deploy(context.Background(), builder.Push{App: app, Branch: "main", Commit: hash.String(), Repo: repo}, out)
	if err == nil {
		f.images.add(f.runner.last().Image)
	}
	return err
}

func (f *fixture) mustPush(t *testing.T, app, marker string) {
	t.Helper()
	if err := f.push(t, app, map[string]string{"Dockerfile": "FROM scratch\n", "marker": marker}); err != nil {
		t.Fatalf("push: %v", err)
	}
}

var errBoom = errors.New("boom")
