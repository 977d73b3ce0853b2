package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// checkingDeployer is a fakeDeployer that also checks each push's build
// context, as the platform does before a build.
type checkingDeployer struct {
	*fakeDeployer
	mu       sync.Mutex
	checkErr []error
}

func (d *checkingDeployer) Deploy(ctx context.Context, p builder.Push, out io.Writer) error {
	err := p.CheckContext()
	d.mu.Lock()
	d.checkErr = append(d.checkErr, err)
	d.mu.Unlock()
	if err != nil {
		return err
	}
	return d.fakeDeployer.Deploy(ctx, p, out)
}

type sourceServer struct {
	git      *Server
	deployer *checkingDeployer
	repoDir  string
}

func newSourceServer(t *testing.T) *sourceServer {
	t.Helper()
	reposDir := filepath.Join(t.TempDir(), "repos")
	d := &checkingDeployer{fakeDeployer: &fakeDeployer{}}
	return &sourceServer{
		git:      New(reposDir, fakeApps{"myapp": true}, d, slog.New(slog.NewTextHandler(testWriter{t}, nil))),
		deployer: d,
		repoDir:  filepath.Join(reposDir, "myapp.git"),
	}
}

func (s *sourceServer) repo(t *testing.T) *git.Repository {
	t.Helper()
	repo, err := git.PlainOpen(s.repoDir)
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// refs lists the repository's refs but HEAD, as name -> hash.
func (s *sourceServer) refs(t *testing.T) map[string]string {
	t.Helper()
	iter, err := s.repo(t).References()
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]string{}
	err = iter.ForEach(func(r *plumbing.Reference) error {
		if r.Name() != plumbing.HEAD {
			refs[r.Name().String()] = r.Hash().String()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

// assertNoQuarantine checks that nothing of a build is left in quarantine.
func (s *sourceServer) assertNoQuarantine(t *testing.T) {
	t.Helper()
	if left, _ := filepath.Glob(filepath.Join(s.repoDir, quarantinePrefix+"*")); len(left) > 0 {
		t.Errorf("quarantines left: %v", left)
	}
}

var appSource = []ent{
	{typ: tar.TypeXGlobalHeader, body: "0123abcd"},
	dirEnt("myapp-0123abcd/"),
	{name: "myapp-0123abcd/Procfile", body: "web: ./bin/start\n"},
	{name: "myapp-0123abcd/Dockerfile", body: "FROM scratch\n"},
	{name: "myapp-0123abcd/bin/start", body: "#!/bin/sh\nexec httpd\n", mode: 0o755},
	linkEnt("myapp-0123abcd/current", "bin/start"),
}

func TestDeploySource(t *testing.T) {
	s := newSourceServer(t)
	var out bytes.Buffer
	commit, err := s.git.DeploySource(context.Background(), "myapp", "id-myapp", "", bytes.NewReader(tgzOf(t, appSource...)), "v1.2", &out)
	if err != nil {
		t.Fatalf("DeploySource: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "-----> fake release is live") {
		t.Errorf("out lacks the deployer's progress:\n%s", out.String())
	}

	d := s.deployer.last(t)
	if p := d.Push; p.App != "myapp" || p.AppID != "id-myapp" || p.Branch != "" || p.Commit != commit ||
		p.MaxContextBytes != DefaultMaxContextBytes || p.MaxContextFiles != DefaultMaxContextFiles {
		t.Errorf("deployed %+v, want app myapp, id id-myapp, no branch, commit %s, the default limits", p, commit)
	}
	if d.Procfile != "web: ./bin/start\n" {
		t.Errorf("Procfile read in deploy = %q", d.Procfile)
	}
	if err := s.deployer.checkErr[0]; err != nil {
		t.Errorf("CheckContext in deploy: %v", err)
	}
	wantFiles := map[string]string{
		"Procfile": "web: ./bin/start\n", "Dockerfile": "FROM scratch\n",
		"bin/": "", "bin/start": "#!/bin/sh\nexec httpd\n", "current": "",
	}
	if !maps.Equal(d.Files, wantFiles) {
		t.Errorf("build context =\n%v\nwant\n%v", d.Files, wantFiles)
	}

	// Kept, and named by its own ref only.
	if want := map[string]string{sourceBuildsRef + commit: commit}; !maps.Equal(s.refs(t), want) {
		t.Errorf("refs = %v, want %v", s.refs(t), want)
	}
	c, err := s.repo(t).CommitObject(plumbing.NewHash(commit))
	if err != nil {
		t.Fatalf("the deployed commit is not in the repository: %v", err)
	}
	if c.Message != "Build of source blob v1.2\n" || c.NumParents() != 0 || c.Author.Email != "builds@paas" {
		t.Errorf("commit %q, %d parents, by %s", c.Message, c.NumParents(), c.Author.String())
	}
	want := listing(t, builder.Push{Commit: commit, Repo: s.repo(t)})
	if want["current"] != "0120000 bin/start" || want["bin/start"] != "0100755 #!/bin/sh\nexec httpd\n" {
		t.Errorf("stored tree = %v", want)
	}
	s.assertNoQuarantine(t)

	t.Run("main and master never move", func(t *testing.T) {
		// As after a git push of main.
		repo := s.repo(t)
		if err := repo.Storer.SetReference(plumbing.NewHashReference(branchMain, plumbing.NewHash(commit))); err != nil {
			t.Fatal(err)
		}
		second, err := s.git.DeploySource(context.Background(), "myapp", "id-myapp", "", bytes.NewReader(tgzOf(t, appSource...)), "", io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if second == commit {
			t.Errorf("two builds made the same commit %s", commit)
		}
		want := map[string]string{branchMain.String(): commit, sourceBuildsRef + commit: commit, sourceBuildsRef + second: second}
		if got := s.refs(t); !maps.Equal(got, want) {
			t.Errorf("refs = %v, want %v", got, want)
		}
		head, err := repo.Storer.Reference(plumbing.HEAD)
		if err != nil || head.Target() != branchMaster {
			t.Errorf("HEAD = %v (%v), want the symbolic ref git init makes", head, err)
		}
	})
}

// A failed deploy, or a refused blob, leaves the repository as it was.
func TestDeploySourceFailureLeavesNothing(t *testing.T) {
	s := newSourceServer(t)
	if _, err := s.git.DeploySource(context.Background(), "myapp", "id-myapp", "", bytes.NewReader(tgzOf(t, appSource...)), "", io.Discard); err != nil {
		t.Fatal(err)
	}
	refs, objects := s.refs(t), objectFiles(t, s.repoDir)

	buildFailed := errors.New("build failed: exit 3")
	s.deployer.setFail(buildFailed)
	other := append(slices.Clone(appSource), ent{name: "myapp-0123abcd/new.txt", body: randomText(t, 4096)})
	commit, err := s.git.DeploySource(context.Background(), "myapp", "id-myapp", "", bytes.NewReader(tgzOf(t, other...)), "", io.Discard)
	if !errors.Is(err, buildFailed) || commit == "" {
		t.Errorf("DeploySource = %q, %v, want the deployer's error and the commit it tried", commit, err)
	}
	if got := s.deployer.last(t); got.Push.Commit != commit || got.Files["new.txt"] == "" {
		t.Errorf("deployer got %s with %v", got.Push.Commit, slices.Collect(maps.Keys(got.Files)))
	}
	s.deployer.setFail(nil)
	calls := len(s.deployer.all())
	_, err = s.git.DeploySource(context.Background(), "myapp", "id-myapp", "", bytes.NewReader(tgzOf(t, ent{name: "../escape", body: "x"})), "", io.Discard)
	if !errors.Is(err, ErrInvalidSource) {
		t.Errorf("DeploySource of an unsafe archive = %v, want ErrInvalidSource", err)
	}
	if n := len(s.deployer.all()); n != calls {
		t.Errorf("the deployer was called for a refused archive")
	}

	if got := s.refs(t); !maps.Equal(got, refs) {
		t.Errorf("refs = %v, want %v", got, refs)
	}
	if got := objectFiles(t, s.repoDir); !slices.Equal(got, objects) {
		t.Errorf("objects after failed builds:\n%v\nwant\n%v", got, objects)
	}
	s.assertNoQuarantine(t)
}

// A build waits for a push, or another build, of the same app, and says so;
// a caller that gives up while waiting leaves nothing behind.
func TestDeploySourceWaitsForTheAppLock(t *testing.T) {
	s := newSourceServer(t)
	unlock, err := s.git.lockApp(context.Background(), "myapp", func() {})
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		commit string
		err    error
	}
	start := func(ctx context.Context) (chan result, *signalWriter) {
		out := newSignalWriter()
		done := make(chan result, 1)
		go func() {
			commit, err := s.git.DeploySource(ctx, "myapp", "id-myapp", "", bytes.NewReader(tgzOf(t, appSource...)), "", out)
			done <- result{commit, err}
		}()
		return done, out
	}

	ctx, cancel := context.WithCancel(context.Background())
	done, out := start(ctx)
	out.waitFor(t, "Waiting for another deploy of myapp to finish...")
	cancel()
	if r := <-done; !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancelled while waiting: %v", r.err)
	}
	s.assertNoQuarantine(t)
	if refs := s.refs(t); len(refs) != 0 {
		t.Errorf("refs after a cancelled build: %v", refs)
	}

	done, out = start(context.Background())
	out.waitFor(t, "Waiting for another deploy of myapp to finish...")
	if n := len(s.deployer.all()); n != 0 {
		t.Fatalf("deployed %d times while another deploy held the lock", n)
	}
	unlock()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if s.deployer.last(t).Push.Commit != r.commit {
		t.Errorf("deployed %s, want %s", s.deployer.last(t).Push.Commit, r.commit)
	}
}

func TestDeploySourceInvalidApp(t *testing.T) {
	s := newSourceServer(t)
	if _, err := s.git.DeploySource(context.Background(), "../etc", "id", "", bytes.NewReader(tgzOf(t, appSource...)), "", io.Discard); err == nil {
		t.Error("DeploySource accepted an invalid app name")
	}
}

// signalWriter collects what is written and signals each write.
type signalWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes chan struct{}
}

func newSignalWriter() *signalWriter { return &signalWriter{writes: make(chan struct{}, 64)} }

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	select {
	case w.writes <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *signalWriter) waitFor(t *testing.T, want string) {
	t.Helper()
	for {
		w.mu.Lock()
		got := w.buf.String()
		w.mu.Unlock()
		if strings.Contains(got, want) {
			return
		}
		select {
		case <-w.writes:
		case <-time.After(30 * time.Second):
			t.Fatalf("output lacks %q:\n%s", want, got)
		}
	}
}
