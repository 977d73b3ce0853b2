package e2e

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/dockertest"
)

// TestFaults is the fault suite (make faults): FAULTS times, it starts a
// push, config change, scale or rollback, kills paasd with SIGKILL at a
// random point of it, starts paasd again on the same data, and checks that no
// release was lost or half-written, the digest chain holds, the current
// release serves, and no container is left over. FAULTS_SEED replays a run.
func TestFaults(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("FAULTS"))
	if n <= 0 {
		t.Skip("the fault suite runs with FAULTS=N (make faults)")
	}
	seed, err := strconv.ParseUint(os.Getenv("FAULTS_SEED"), 10, 64)
	if err != nil {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("faults: %d kills, FAULTS_SEED=%d", n, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	budget := time.Now().Add(time.Duration(n)*30*time.Second + time.Minute)

	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	dataDir := t.TempDir()
	d := startDaemon(t, daemonOptions{dataDir: dataDir})
	app, repo := procfileApp(t, d, base, webCmd)
	contents := map[string]string{} // commit -> what GET / serves
	contents[strings.TrimSpace(d.mustGit(repo.dir, "rev-parse", "HEAD"))] = "v1\n"

	counts := map[string]int{}
	passed, failed := 0, 0
	start := time.Now()
	for i := range n {
		if time.Now().After(budget) {
			t.Fatalf("faults: out of time after %d kills", i)
		}
		before := releasesOf(t, d, repo.dir)
		op, cmd := faultOp(t, rng, d, repo, i, contents)
		counts[op]++
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// A random point of the operation: most take 0.1 to 3 s here.
		select {
		case <-time.After(time.Duration(rng.IntN(2500)) * time.Millisecond):
		case err := <-done:
			done <- err
		}
		_ = d.cmd.Process.Kill()
		exit := <-d.exited
		d.exited <- exit // for stop, which then finds paasd gone
		opErr := <-done
		acked := opErr == nil

		d = startDaemon(t, daemonOptions{dataDir: dataDir})
		d.mustPaasctl(repo.dir, "git:remote", "-a", app)
		if problem := checkAfterFault(t, d, cli, app, repo.dir, before, acked && op != "scale", contents); problem != "" {
			failed++
			t.Errorf("fault %d (%s, acknowledged %v): %s\noperation output:\n%s", i+1, op, acked, problem, out.String())
		} else {
			passed++
		}
	}
	t.Logf("faults: %d kills in %s (%v), releases now %d", n, time.Since(start).Round(time.Second), counts, len(releasesOf(t, d, repo.dir)))
	fmt.Printf("faults: %d passed, %d failed\n", passed, failed)
}

// faultOp prepares one random operation on the app.
func faultOp(t *testing.T, rng *rand.Rand, d *daemon, repo *appRepo, i int, contents map[string]string) (string, *exec.Cmd) {
	paasctl := func(args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(binDir, "paasctl"), args...)
		cmd.Dir, cmd.Env = repo.dir, d.env()
		return cmd
	}
	switch rng.IntN(4) {
	case 0:
		body := fmt.Sprintf("v%d-%d\n", i+2, rng.IntN(1000))
		repo.write("index.html", body)
		repo.commit(body)
		contents[strings.TrimSpace(d.mustGit(repo.dir, "rev-parse", "HEAD"))] = body
		cmd := exec.Command("git", "push", "-f", "paas", "HEAD:main")
		cmd.Dir, cmd.Env = repo.dir, d.env()
		return "push", cmd
	case 1:
		return "config:set", paasctl("config:set", fmt.Sprintf("FAULT%d=%d", i%5, rng.IntN(1000)))
	case 2:
		return "scale", paasctl("scale", fmt.Sprintf("web=%d", 1+rng.IntN(2)))
	default:
		return "rollback", paasctl("rollback")
	}
}

func releasesOf(t *testing.T, d *daemon, dir string) []api.Release {
	t.Helper()
	var rels []api.Release
	if err := json.Unmarshal([]byte(d.mustPaasctl(dir, "releases", "--json", "-n", "100000")), &rels); err != nil {
		t.Fatalf("releases --json: %v", err)
	}
	return rels
}

// checkAfterFault says what is wrong after a restart, or "".
func checkAfterFault(t *testing.T, d *daemon, cli interface {
	ContainerList(context.Context, container.ListOptions) ([]container.Summary, error)
}, app, dir string, before []api.Release, ackedRelease bool, contents map[string]string) string {
	t.Helper()
	after := releasesOf(t, d, dir)
	byVersion := map[int]api.Release{}
	for _, r := range after {
		byVersion[r.Version] = r
		if r.Status == "pending" {
			return fmt.Sprintf("v%d is still pending after the restart", r.Version)
		}
	}
	for _, r := range before {
		now, ok := byVersion[r.Version]
		if !ok || now.Digest != r.Digest || now.Description != r.Description {
			return fmt.Sprintf("v%d was lost or changed: before %+v, after %+v", r.Version, r, now)
		}
	}
	if len(after) < len(before) {
		return fmt.Sprintf("%d releases before, %d after", len(before), len(after))
	}
	// paasctl or git said the new release is live: it must be there, live.
	if ackedRelease && (len(after) == len(before) || after[0].Status != "succeeded") {
		return fmt.Sprintf("the acknowledged release is missing or not succeeded: %d releases before, newest now %+v", len(before), after[0])
	}
	if out, err := d.paasctl(dir, "releases:verify"); err != nil {
		return "releases:verify: " + out
	}
	var info api.App
	if err := json.Unmarshal([]byte(d.mustPaasctl(dir, "apps:info", "--json")), &info); err != nil {
		return "apps:info --json: " + err.Error()
	}
	cur := byVersion[info.CurrentRelease]
	if cur.Status != "succeeded" {
		return fmt.Sprintf("the current release v%d is %q", info.CurrentRelease, cur.Status)
	}
	want, known := contents[cur.Commit]
	if !known {
		return fmt.Sprintf("the current release v%d is of commit %s, which was never pushed", cur.Version, cur.Commit)
	}
	var code int
	var body string
	if !eventually(60*time.Second, func() bool {
		code, body, _ = d.get(app, "/")
		return code == 200 && body == want
	}) {
		return fmt.Sprintf("v%d does not serve: %d %q, want %q", cur.Version, code, body, want)
	}
	// Every container of the app's formation runs the current release, and
	// nothing else of the app is left running.
	var stray []string
	if !eventually(60*time.Second, func() bool {
		cs, err := cli.ContainerList(context.Background(), container.ListOptions{All: true, Filters: filters.NewArgs(
			filters.Arg("label", "paas.daemon="+d.daemonID()), filters.Arg("label", "paas.app="+app))})
		if err != nil {
			return false
		}
		stray = nil
		for _, c := range cs {
			if c.Labels["paas.oneoff"] != "" {
				continue
			}
			if c.Labels["paas.release"] != fmt.Sprintf("v%d", cur.Version) || c.State != "running" {
				stray = append(stray, c.Names[0]+" "+c.State)
			}
		}
		return len(stray) == 0
	}) {
		return fmt.Sprintf("containers left over: %v", stray)
	}
	return ""
}

// TestFaultsFullDisk (make faults) fills paasd's disk with a push: the push
// fails with a clear error, nothing stored is lost or damaged, the app keeps
// serving, and once the large commit is gone a push works.
func TestFaultsFullDisk(t *testing.T) {
	if os.Getenv("FAULTS") == "" {
		t.Skip("the fault suite runs with FAULTS=N (make faults)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("the full-disk fault mounts a small tmpfs: run it as root")
	}
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	dataDir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m,mode=0700", "tmpfs", dataDir).CombinedOutput(); err != nil {
		t.Fatalf("mount a 48 MiB tmpfs: %v\n%s", err, out)
	}
	t.Cleanup(func() { // after paasd's own clean-up, which stops it
		if out, err := exec.Command("umount", dataDir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dataDir, err, out)
		}
	})
	d := startDaemon(t, daemonOptions{dataDir: dataDir})
	app, repo := procfileApp(t, d, base, webCmd)
	assertServes(t, d, app, "v1\n")
	before := releasesOf(t, d, repo.dir)

	big, err := os.Create(filepath.Join(repo.dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := big.ReadFrom(io.LimitReader(crand.Reader, 64<<20)); err != nil { // does not compress
		t.Fatal(err)
	}
	big.Close()
	repo.write("index.html", "v2\n")
	repo.commit("64 MiB on a 48 MiB disk")
	out, err := repo.push()
	if err == nil {
		t.Fatalf("a push larger than the disk succeeded:\n%s", out)
	}
	t.Logf("the push that filled the disk:\n%s", out)
	if msg := "paasd's disk is full: nothing of this push was kept"; !strings.Contains(out, msg) {
		t.Errorf("the push's error does not say %q", msg)
	}
	if problem := checkAfterFault(t, d, cli, app, repo.dir, before, false, map[string]string{before[0].Commit: "v1\n"}); problem != "" {
		t.Fatalf("after the disk filled: %s", problem)
	}

	// The large commit never reached paasd: take it out of history too.
	d.mustGit(repo.dir, "reset", "-q", "--hard", "HEAD~1")
	repo.write("index.html", "v3\n")
	repo.commit("without the large file")
	if out, err := repo.push(); err != nil {
		t.Fatalf("a push once the space is back: %v\n%s", err, out)
	}
	assertServes(t, d, app, "v3\n")
}
