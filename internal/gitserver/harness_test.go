package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/gorilla/mux"
)

// fakeApps accepts pushes to the apps it lists.
type fakeApps map[string]bool

func (a fakeApps) AppExists(_ context.Context, name string) (bool, error) { return a[name], nil }

func (a fakeApps) AppID(_ context.Context, name string) (string, error) {
	if !a[name] {
		return "", nil
	}
	return "id-" + name, nil
}

// deployed is what the fake deployer saw of one push, read while it ran.
type deployed struct {
	Push     builder.Push
	Procfile string
	Files    map[string]string // tar entry name -> content
}

// fakeDeployer records pushes and proves their content is readable through
// Push.ReadFile and Push.WriteTar; fail makes the next deploys fail.
type fakeDeployer struct {
	// Set before the first push: when hold is set, Deploy signals holding
	// after its first line, then waits for hold to close or ctx to end.
	hold      chan struct{}
	holding   chan struct{}
	cancelled atomic.Bool

	mu     sync.Mutex
	pushes []deployed
	fail   error
}

func (d *fakeDeployer) holdDeploys() {
	d.hold = make(chan struct{})
	d.holding = make(chan struct{}, 8)
}

func (d *fakeDeployer) waitHolding(t *testing.T) {
	t.Helper()
	select {
	case <-d.holding:
	case <-time.After(30 * time.Second):
		t.Fatal("deploy did not start")
	}
}

func (d *fakeDeployer) Deploy(ctx context.Context, p builder.Push, out io.Writer) error {
	fmt.Fprintf(out, "-----> fake deploy of %s\n", p.Commit[:7])
	if d.hold != nil {
		d.holding <- struct{}{}
		select {
		case <-d.hold:
		case <-ctx.Done():
			d.cancelled.Store(true)
			return ctx.Err()
		}
	}
	procfile, err := p.ReadFile("Procfile", 1<<20)
	if err != nil {
		return fmt.Errorf("fake deployer: %w", err)
	}
	files, err := tarFiles(p)
	if err != nil {
		return fmt.Errorf("fake deployer: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pushes = append(d.pushes, deployed{Push: p, Procfile: string(procfile), Files: files})
	if d.fail != nil {
		return d.fail
	}
	fmt.Fprintln(out, "-----> fake release is live")
	return nil
}

func (d *fakeDeployer) setFail(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.fail = err
}

func (d *fakeDeployer) all() []deployed {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]deployed(nil), d.pushes...)
}

func (d *fakeDeployer) last(t *testing.T) deployed {
	t.Helper()
	all := d.all()
	if len(all) == 0 {
		t.Fatal("deployer was not called")
	}
	return all[len(all)-1]
}

func tarFiles(p builder.Push) (map[string]string, error) {
	var buf bytes.Buffer
	if err := p.WriteTar(&buf); err != nil {
		return nil, err
	}
	files := map[string]string{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[h.Name] = string(body)
	}
}

// testServer is a Server behind a real HTTP server.
type testServer struct {
	*httptest.Server
	git      *Server
	deployer *fakeDeployer
	reposDir string
	posts    atomic.Int32 // POSTs to git-receive-pack, probes included
}

func newTestServer(t *testing.T, apps fakeApps) *testServer {
	t.Helper()
	ts := &testServer{deployer: &fakeDeployer{}, reposDir: filepath.Join(t.TempDir(), "repos")}
	ts.git = New(ts.reposDir, apps, ts.deployer, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	r := mux.NewRouter()
	ts.git.Register(r)
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/git-receive-pack") {
			ts.posts.Add(1)
		}
		r.ServeHTTP(w, req)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) remote(app string) string { return ts.URL + "/git/" + app + ".git" }

// ref reads a ref of the app's server-side repository with go-git.
func (ts *testServer) ref(t *testing.T, app string, name plumbing.ReferenceName) (plumbing.Hash, bool) {
	t.Helper()
	repo, err := git.PlainOpen(filepath.Join(ts.reposDir, app+".git"))
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return plumbing.ZeroHash, false
	}
	if err != nil {
		t.Fatal(err)
	}
	ref, err := repo.Reference(name, true)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return ref.Hash(), true
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func randomText(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n/2)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", b)
}
