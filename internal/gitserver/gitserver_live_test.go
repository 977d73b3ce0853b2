package gitserver

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/gittest"
)

// runningGit is a git command whose output is watched while it runs.
type runningGit struct {
	cmd  *exec.Cmd
	done chan struct{}

	mu  sync.Mutex
	out bytes.Buffer
}

// startGit starts git in its own process group, so the test can kill it
// along with its git-remote-http child.
func startGit(t *testing.T, g gittest.Git, dir string, args ...string) *runningGit {
	t.Helper()
	rg := &runningGit{cmd: g.Command(dir, args...), done: make(chan struct{})}
	rg.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := rg.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	rg.cmd.Stdout = rg.cmd.Stderr
	if err := rg.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(rg.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			rg.mu.Lock()
			rg.out.WriteString(sc.Text() + "\n")
			rg.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if rg.cmd.ProcessState == nil {
			_ = syscall.Kill(-rg.cmd.Process.Pid, syscall.SIGKILL)
			_ = rg.cmd.Wait()
		}
	})
	return rg
}

func (rg *runningGit) output() string {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	return rg.out.String()
}

// waitFor waits until git has printed want.
func (rg *runningGit) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(rg.output(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("git did not print %q in time; output so far:\n%s", want, rg.output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (rg *runningGit) wait() (string, error) {
	<-rg.done
	err := rg.cmd.Wait()
	return rg.output(), err
}

func TestPushProgressIsLive(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.deployer.holdDeploys()
	work := g.NewWorkRepo()

	push := startGit(t, g, work, "push", ts.remote("myapp"), "main")
	ts.deployer.waitHolding(t)
	// The deploy is still running: its first line must already be on screen.
	push.waitFor(t, "remote: -----> fake deploy of")
	close(ts.deployer.hold)
	if out, err := push.wait(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
}

func TestPusherGoneCancelsDeploy(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.deployer.holdDeploys()
	work := g.NewWorkRepo()

	push := startGit(t, g, work, "push", ts.remote("myapp"), "main")
	ts.deployer.waitHolding(t)
	if err := syscall.Kill(-push.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = push.wait()
	deadline := time.Now().Add(10 * time.Second)
	for !ts.deployer.cancelled.Load() {
		if time.Now().After(deadline) {
			t.Fatal("deploy context not cancelled after the pusher went away")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConcurrentPushesAreSerialised(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.deployer.holdDeploys()
	first, second := g.NewWorkRepo(), g.NewWorkRepo()
	gittest.WriteFile(t, second, "Procfile", "web: second\n")
	g.Must(second, "commit", "-q", "-am", "second")

	push1 := startGit(t, g, first, "push", ts.remote("myapp"), "main")
	ts.deployer.waitHolding(t)
	push2 := startGit(t, g, second, "push", ts.remote("myapp"), "main")
	push2.waitFor(t, "remote: Waiting for another push to myapp to finish...")
	close(ts.deployer.hold)

	if out, err := push1.wait(); err != nil {
		t.Fatalf("first push: %v\n%s", err, out)
	}
	out, err := push2.wait()
	if err == nil || !strings.Contains(out, "fetch first: another push updated main meanwhile; push again") {
		t.Errorf("second push: err %v, want a fetch-first refusal:\n%s", err, out)
	}
	if got, _ := ts.ref(t, "myapp", branchMain); got.String() != g.Must(first, "rev-parse", "HEAD") {
		t.Errorf("server main = %s, want the first push's commit", got)
	}
	if n := len(ts.deployer.all()); n != 1 {
		t.Errorf("deployer called %d times, want 1", n)
	}
}

// A push of a thousand tags has a report-status longer than one side-band
// packet: it goes in several, and git gets it instead of waiting forever.
func TestPushOfManyTagsGetsItsReport(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	work := g.NewWorkRepo()
	g.Must(work, "remote", "add", "paas", ts.remote("myapp"))
	var refs strings.Builder
	head := g.Must(work, "rev-parse", "HEAD")
	for i := range 1000 {
		fmt.Fprintf(&refs, "create refs/tags/release-%04d %s\n", i, head)
	}
	cmd := g.Command(work, "update-ref", "--stdin")
	cmd.Stdin = strings.NewReader(refs.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make tags: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	push := g.Command(work, "push", "paas", "main", "--tags")
	push = exec.CommandContext(ctx, push.Path, push.Args[1:]...)
	push.Dir, push.Env = work, g.Command(work).Env
	out, err := push.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatal("git push of 1000 tags hung waiting for its report")
	}
	// The tags are refused (only main deploys), so git fails, naming them.
	if err == nil || !strings.Contains(string(out), "main -> main") || !strings.Contains(string(out), "[remote rejected] release-0999 -> release-0999 (only main or master deploy") {
		t.Errorf("git push of 1000 tags: %v\n%.2000s", err, out)
	}
	if _, ok := ts.ref(t, "myapp", "refs/heads/main"); !ok {
		t.Error("main was not updated")
	}
}
