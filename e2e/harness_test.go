// Package e2e drives the real binaries: paasd as a process on free ports,
// paasctl, the git client, real Docker and HTTP through the router.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/internal/dockertest"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "paas-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := build() // built once; every test uses the same binaries
	if code == 0 {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func build() int {
	for _, name := range []string{"paasd", "paasctl"} {
		args := []string{"build", "-o", filepath.Join(binDir, name)}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "../cmd/"+name)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", name, err)
			return 1
		}
	}
	return 0
}

// daemon is one running paasd with its own data dir and ports.
type daemon struct {
	t          *testing.T
	dataDir    string
	apiURL     string
	routerAddr string
	// metricsAddr serves /metrics, free per daemon: the default would be
	// one port for every paasd of the run.
	metricsAddr string
	token       string
	home        string // HOME for paasctl and git, so the machine's config never leaks in
	cmd         *exec.Cmd
	logs        *syncBuffer
	exited      chan error
}

type daemonOptions struct {
	dataDir    string
	env        []string
	token      string // "" makes one
	routerAddr string // "" picks a free one
}

func startDaemon(t *testing.T, opts daemonOptions) *daemon {
	t.Helper()
	if opts.dataDir == "" {
		opts.dataDir = t.TempDir()
	}
	addrs := freeAddrs(t, 3)
	d := &daemon{
		t:          t,
		dataDir:    opts.dataDir,
		apiURL:     "http://" + addrs[0],
		routerAddr: opts.routerAddr,
		token:      opts.token,
		home:       t.TempDir(),
		logs:       &syncBuffer{},
		exited:     make(chan error, 1),
	}
	if d.token == "" {
		d.token = "e2e-token-" + randomHex(t)
	}
	if d.routerAddr == "" {
		d.routerAddr = addrs[1]
	}
	d.metricsAddr = addrs[2]
	d.cmd = exec.Command(filepath.Join(binDir, "paasd"))
	d.cmd.Env = append(os.Environ(),
		"PAAS_DATA_DIR="+d.dataDir,
		"PAAS_API_ADDR="+strings.TrimPrefix(d.apiURL, "http://"),
		"PAAS_ROUTER_ADDR="+d.routerAddr,
		"PAAS_METRICS_ADDR="+d.metricsAddr,
		"PAAS_API_TOKEN="+d.token,
		"PAAS_BOOT_TIMEOUT=20s",
		"PAAS_STOP_TIMEOUT=5s",
	)
	d.cmd.Env = append(d.cmd.Env, opts.env...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start paasd: %v", err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			t.Logf("paasd output:\n%s", d.logs.String())
		}
		// Only once paasd is down: its supervisor would restart what is
		// removed while it runs.
		removeContainers(t, filters.NewArgs(filters.Arg("label", "paas.daemon="+d.idIfAny())))
	})
	waitFor(t, 30*time.Second, "paasd to answer /healthz", func() bool {
		select {
		case err := <-d.exited:
			t.Fatalf("paasd exited early: %v\n%s", err, d.logs.String())
		default:
		}
		resp, err := http.Get(d.apiURL + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return d
}

// stop sends SIGTERM and waits for a clean exit. Safe to call twice.
func (d *daemon) stop() {
	d.t.Helper()
	if d.cmd.ProcessState != nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.exited:
		if err != nil {
			d.t.Errorf("paasd exited with %v after SIGTERM", err)
		}
	case <-time.After(45 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
		d.t.Errorf("paasd did not stop within 45s of SIGTERM")
	}
}

func (d *daemon) daemonID() string {
	d.t.Helper()
	b, err := os.ReadFile(filepath.Join(d.dataDir, "daemon-id"))
	if err != nil {
		d.t.Fatalf("read daemon id: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// cleanupDocker is kept for the tests that call it: startDaemon's own
// cleanup removes the daemon's containers once paasd is down.
func cleanupDocker(*testing.T, *client.Client, string) {}

// removeContainers force-removes the containers matching f.
func removeContainers(t *testing.T, f filters.Args) {
	if f.Get("label")[0] == "paas.daemon=" {
		return // paasd never wrote its ID: it created nothing
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, _ := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	for _, c := range cs {
		_ = cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true})
	}
	// The apps' networks, once their containers are gone, and the add-ons'
	// volumes.
	nets, _ := cli.NetworkList(ctx, network.ListOptions{Filters: f})
	for _, n := range nets {
		_ = cli.NetworkRemove(ctx, n.ID)
	}
	vols, _ := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	for _, v := range vols.Volumes {
		_ = cli.VolumeRemove(ctx, v.Name, true)
	}
}

// idIfAny is the daemon's ID, or "" if paasd never wrote one.
func (d *daemon) idIfAny() string {
	b, err := os.ReadFile(filepath.Join(d.dataDir, "daemon-id"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// createApp creates an app with a name no other run uses, and removes its
// images when the test ends.
func (d *daemon) createApp(cli *client.Client) string {
	d.t.Helper()
	app := "e2e-" + dockertest.RandomSuffix()
	out := d.mustPaasctl("", "apps:create", app)
	if !strings.Contains(out, app) {
		d.t.Fatalf("apps:create output lacks the app name:\n%s", out)
	}
	d.cleanUpApp(cli, app)
	return app
}

// cleanUpApp removes, when the test ends, what the daemon made for the app
// called app: its containers and images. A test that renames an app calls
// it for the new name too.
func (d *daemon) cleanUpApp(cli *client.Client, app string) {
	d.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// paasd first (its supervisor restarts removed processes), then
		// containers (an image in use cannot be removed), then images.
		d.stop()
		removeContainers(d.t, filters.NewArgs(filters.Arg("label", "paas.app="+app)))
		for _, img := range appImages(d.t, cli, app) {
			_, _ = cli.ImageRemove(ctx, img, image.RemoveOptions{Force: true, PruneChildren: true})
		}
	})
}

// appImages lists the images paasd tagged for app (paas-<daemon id>/<app>:<commit>).
func appImages(t *testing.T, cli *client.Client, app string) []string {
	t.Helper()
	f := filters.NewArgs(filters.Arg("reference", "paas-*/"+app)) // any daemon's
	imgs, err := cli.ImageList(context.Background(), image.ListOptions{Filters: f})
	if err != nil {
		t.Errorf("list images of %s: %v", app, err)
	}
	ids := make([]string, 0, len(imgs))
	for _, img := range imgs {
		ids = append(ids, img.ID)
	}
	return ids
}

// env is the environment for paasctl and git: the daemon's URL and token and
// a private HOME.
func (d *daemon) env() []string {
	return append(os.Environ(),
		"HOME="+d.home,
		"XDG_CONFIG_HOME="+filepath.Join(d.home, ".config"),
		"PAAS_URL="+d.apiURL,
		"PAAS_API_TOKEN="+d.token,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_CONFIG_NOSYSTEM=1",
	)
}

// paasctl runs the CLI in dir and returns its combined output.
func (d *daemon) paasctl(dir string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(binDir, "paasctl"), args...)
	cmd.Dir = dir
	cmd.Env = d.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// paasctlStdin runs the CLI with stdin as its input and returns its
// combined output, failing the test if it fails.
func (d *daemon) paasctlStdin(stdin string, args ...string) string {
	d.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "paasctl"), args...)
	cmd.Env = d.env()
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		d.t.Fatalf("paasctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (d *daemon) mustPaasctl(dir string, args ...string) string {
	d.t.Helper()
	out, err := d.paasctl(dir, args...)
	if err != nil {
		d.t.Fatalf("paasctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// git runs the git client in dir with the daemon's environment.
func (d *daemon) git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-c", "user.name=E2E", "-c", "user.email=e2e@example.com"}, args...)...)
	cmd.Dir = dir
	cmd.Env = d.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (d *daemon) mustGit(dir string, args ...string) string {
	d.t.Helper()
	out, err := d.git(dir, args...)
	if err != nil {
		d.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// get requests path from app through the router, as curl http://app.localhost:PORT/ would.
func (d *daemon) get(app, path string) (int, string, error) {
	req, err := http.NewRequest("GET", "http://"+d.routerAddr+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.Host = app + ".localhost"
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !eventually(timeout, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// eventually polls cond every 50ms until it holds or timeout passes.
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

func freeAddr(t *testing.T) string {
	t.Helper()
	return freeAddrs(t, 1)[0]
}

// freeAddrs is n distinct free loopback addresses, held together while
// picked so that none is handed out twice. They are below the kernel's
// ephemeral range (32768 and up by default): a port the kernel hands out
// for :0 is free only until an outgoing connection (a push, a probe) takes
// it as its local port, and paasd then fails to listen on it.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	const low, high = 20000, 32768
	var out []string
	for tries := 0; len(out) < n; tries++ {
		if tries > 1000 {
			t.Fatalf("no free loopback port in [%d, %d) after %d tries", low, high, tries)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", low+rand.IntN(high-low))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		defer ln.Close()
		out = append(out, addr)
	}
	return out
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	f, err := os.Open("/dev/urandom")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.ReadFull(f, b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", b)
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// load sends requests to app through the router from 4 clients until
// stopped, and counts those that fail.
type load struct {
	ok, failed atomic.Int64
	firstErr   atomic.Value
	stop       chan struct{}
	wg         sync.WaitGroup
}

func startLoad(d *daemon, app, path string) *load {
	l := &load{stop: make(chan struct{})}
	for range 4 {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				code, _, err := d.get(app, path)
				if err != nil || code != http.StatusOK {
					l.failed.Add(1)
					l.firstErr.CompareAndSwap(nil, errString(code, err))
					continue
				}
				l.ok.Add(1)
			}
		})
	}
	return l
}

// end stops the load and fails t if any request failed.
func (l *load) end(t *testing.T, during string) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	t.Logf("%s: %d requests ok, %d failed", during, l.ok.Load(), l.failed.Load())
	if l.failed.Load() != 0 || l.ok.Load() == 0 {
		t.Errorf("%s: %d requests failed (first: %v), %d ok", during, l.failed.Load(), l.firstErr.Load(), l.ok.Load())
	}
}
