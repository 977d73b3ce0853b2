package runner

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	base, max := 10*time.Second, 5*time.Minute
	tests := []struct {
		crashes int
		want    time.Duration
	}{
		{0, 0},
		{1, 0}, // the first crash restarts at once
		{2, 10 * time.Second},
		{3, 20 * time.Second},
		{4, 40 * time.Second},
		{5, 80 * time.Second},
		{6, 160 * time.Second},
		{7, 5 * time.Minute}, // 320 s, capped
		{8, 5 * time.Minute},
		{1000, 5 * time.Minute}, // no overflow
	}
	for _, tt := range tests {
		if got := backoff(tt.crashes, base, max); got != tt.want {
			t.Errorf("backoff(%d) = %s, want %s", tt.crashes, got, tt.want)
		}
	}
}

func TestNextCrashes(t *testing.T) {
	reset := 10 * time.Minute
	tests := []struct {
		crashes int
		upFor   time.Duration
		want    int
	}{
		{0, 0, 1},
		{0, time.Hour, 1},
		{3, time.Second, 4},
		{3, 9 * time.Minute, 4},
		{6, 10 * time.Minute, 1}, // stayed up long enough: the count starts over
	}
	for _, tt := range tests {
		if got := nextCrashes(tt.crashes, tt.upFor, reset); got != tt.want {
			t.Errorf("nextCrashes(%d, %s) = %d, want %d", tt.crashes, tt.upFor, got, tt.want)
		}
	}
}

func TestFormatDelay(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Second:       "20s",
		5 * time.Minute:        "5m",
		90 * time.Second:       "1m30s",
		40 * time.Millisecond:  "40ms",
		160 * time.Second:      "2m40s",
		100 * time.Millisecond: "100ms",
	} {
		if got := formatDelay(d); got != want {
			t.Errorf("formatDelay(%s) = %q, want %q", d, got, want)
		}
	}
}

// supervise runs r.Supervise until the test ends.
func supervise(t *testing.T, r *Runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		r.Supervise(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// process returns the app's process name, or a zero Process.
func process(t *testing.T, r *Runner, app, name string) Process {
	t.Helper()
	procs, err := r.Processes(context.Background(), app)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		if p.Name == name {
			return p
		}
	}
	return Process{}
}

func TestSupervisorRestartsCrashedProcess(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{BackoffBase: 30 * time.Millisecond, BackoffMax: time.Second})
	supervise(t, r)
	ctx := context.Background()
	if err := r.Deploy(ctx, spec(release("shop", 2), "web=2 worker=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	log := logOf(r)

	be.exit("new2", 1) // web.2 crashes
	var p Process
	if !eventually(t, 5*time.Second, func() bool {
		p = process(t, r, "shop", "web.2")
		return p.ContainerID != "" && p.ContainerID != "new2" && p.State == StateUp
	}) {
		t.Fatalf("web.2 = %+v, want a new container, up; events: %q", p, log.all())
	}
	if p.Restarts != 1 || p.Release != 2 {
		t.Errorf("web.2 = %+v, want 1 restart of v2", p)
	}
	if !slices.Contains(be.ids(), p.ContainerID) || slices.Contains(be.ids(), "new2") {
		t.Errorf("containers = %v: the crashed one must be replaced by %s", be.ids(), p.ContainerID)
	}
	if !eventually(t, time.Second, func() bool {
		routes, _ := rt.get("shop")
		return len(routes) == 2 && slices.Contains(routes, "127.0.0.1:40004") && !slices.Contains(routes, "127.0.0.1:40002")
	}) {
		routes, _ := rt.get("shop")
		t.Errorf("routes = %v, want web.1 and the restarted web.2", routes)
	}
	for _, line := range []string{
		"shop web.2: Process exited with status 1",
		"shop web.2: State changed from up to crashed",
		"shop web.2: Restarting",
		"shop web.2: State changed from crashed to starting",
		"shop web.2: Starting process with command `exec server --port $PORT`",
		"shop web.2: State changed from starting to up",
	} {
		if !log.has(line) {
			t.Errorf("events lack %q: %q", line, log.all())
		}
	}
	if !slices.Contains(log.startedAll(), "shop web.2 "+p.ContainerID) {
		t.Errorf("ProcessStarted not called for the restart: %q", log.startedAll())
	}

	// Crashing again at once backs off, and the wait grows.
	for i, want := range []string{"Restarting in 30ms (crashed 2 times)", "Restarting in 60ms (crashed 3 times)"} {
		id := process(t, r, "shop", "web.2").ContainerID
		be.exit(id, 2)
		if !eventually(t, 5*time.Second, func() bool {
			p = process(t, r, "shop", "web.2")
			return p.ContainerID != id && p.State == StateUp
		}) {
			t.Fatalf("web.2 not back after crash %d: %+v", i+2, p)
		}
		if !log.has("shop web.2: " + want) {
			t.Errorf("events lack %q: %q", want, log.all())
		}
		if p.Restarts != i+2 {
			t.Errorf("Restarts = %d, want %d", p.Restarts, i+2)
		}
	}
}

func TestSupervisorShowsCrashedWhileBackingOff(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{BackoffBase: time.Minute})
	supervise(t, r)
	if err := r.Deploy(context.Background(), spec(release("shop", 2), "worker=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	be.exit("new1", 3)
	if !eventually(t, 5*time.Second, func() bool { return process(t, r, "shop", "worker.1").ContainerID == "new2" }) {
		t.Fatal("worker.1 did not restart at once after its first crash")
	}
	be.exit("new2", 3)
	var p Process
	if !eventually(t, 5*time.Second, func() bool {
		p = process(t, r, "shop", "worker.1")
		return logOf(r).has("shop worker.1: Restarting in 1m (crashed 2 times)")
	}) {
		t.Fatalf("no back-off event: %q", logOf(r).all())
	}
	if p.State != StateCrashed || p.Restarts != 1 || p.ContainerID != "new2" {
		t.Errorf("worker.1 = %+v, want crashed, 1 restart, its exited container kept while it waits", p)
	}
}

func TestSupervisorCrashLoopingWebBacksOff(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{BackoffBase: 20 * time.Millisecond, BackoffMax: 80 * time.Millisecond, BootTimeout: time.Second})
	supervise(t, r)
	if err := r.Deploy(context.Background(), spec(release("shop", 2), "web=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	// From now on, every new web process exits as it boots.
	be.mu.Lock()
	be.boot = func(c *Container) { c.Running, c.ExitCode = false, 1 }
	be.mu.Unlock()
	be.exit("new1", 1)
	log := logOf(r)
	want := []string{
		"shop web.1: Restarting",
		"shop web.1: Restarting in 20ms (crashed 2 times)",
		"shop web.1: Restarting in 40ms (crashed 3 times)",
		"shop web.1: Restarting in 80ms (crashed 4 times)",
		"shop web.1: Restarting in 80ms (crashed 5 times)",
	}
	if !eventually(t, 5*time.Second, func() bool { return log.has(want[len(want)-1]) }) {
		t.Fatalf("events: %q", log.all())
	}
	for _, line := range append(want, "shop web.1: Boot failed: exited with code 1") {
		if !log.has(line) {
			t.Errorf("events lack %q", line)
		}
	}
	if routes, _ := rt.get("shop"); len(routes) != 0 {
		t.Errorf("routes = %v: a crashed web process must not be routed", routes)
	}
}

func TestSupervisorCrashCountResetsAfterUptime(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{BackoffBase: time.Minute, BackoffReset: 50 * time.Millisecond})
	supervise(t, r)
	if err := r.Deploy(context.Background(), spec(release("shop", 2), "worker=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"new1", "new2", "new3"} {
		time.Sleep(100 * time.Millisecond) // up longer than the reset
		be.exit(id, 1)
		next := "new" + string(rune('2'+i))
		if !eventually(t, 5*time.Second, func() bool { return process(t, r, "shop", "worker.1").ContainerID == next }) {
			t.Fatalf("crash %d: worker.1 not restarted at once; events: %q", i+1, logOf(r).all())
		}
	}
}

func TestStopByRunnerIsNotACrash(t *testing.T) {
	r, be, _, ev := newTestRunner(t, Options{BackoffBase: 10 * time.Millisecond})
	supervise(t, r)
	ctx := context.Background()
	if err := r.Deploy(ctx, spec(release("shop", 2), "web=2 worker=2"), io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := r.Scale(ctx, spec(release("shop", 2), "web=1 worker=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := r.Restart(ctx, spec(release("shop", 2), "web=1 worker=1"), "worker", io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := r.Deploy(ctx, spec(release("shop", 3), "web=1 worker=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := r.StopApp(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // time for a wrongly woken supervisor to act
	for _, line := range logOf(r).all() {
		if strings.Contains(line, "crashed") || strings.Contains(line, "Restarting") {
			t.Errorf("a process the runner stopped was taken for a crash: %q", line)
		}
	}
	if got := be.ids(); len(got) != 0 {
		t.Errorf("containers after StopApp = %v; events: %v", got, ev.all())
	}
	if starts := len(logOf(r).startedAll()); starts != 4+1+2 {
		t.Errorf("%d starts, want 7 (deploy 4, restart 1, deploy 2): %q", starts, logOf(r).startedAll())
	}
}

func TestSuperviseEndLeavesContainersRunning(t *testing.T) {
	r, be, _, ev := newTestRunner(t, Options{})
	if err := r.Deploy(context.Background(), spec(release("shop", 2), "web=1 worker=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		r.Supervise(ctx)
		close(done)
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Supervise did not return after its context ended")
	}
	if ev.index("stop") >= 0 || ev.index("remove") >= 0 || len(be.byProcess("shop", "web.1")) != 1 {
		t.Errorf("ending supervision touched containers: %v", ev.all())
	}
	// Unsupervised, a crash is not restarted.
	be.exit("new1", 1)
	time.Sleep(50 * time.Millisecond)
	if ev.index("start new3") >= 0 {
		t.Errorf("restarted with no supervision: %v", ev.all())
	}
}

func TestSupervisorWatchesAdoptedProcesses(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{})
	be.add(existing("adopted", "shop", 2, "web.1", true))
	if err := r.Restore(context.Background(), []Spec{spec(release("shop", 2), "web=1")}); err != nil {
		t.Fatal(err)
	}
	supervise(t, r)
	be.exit("adopted", 137)
	if !eventually(t, 5*time.Second, func() bool {
		p := process(t, r, "shop", "web.1")
		return p.ContainerID == "new1" && p.State == StateUp && p.Restarts == 1
	}) {
		t.Fatalf("adopted web.1 not restarted: %+v; events %q", process(t, r, "shop", "web.1"), logOf(r).all())
	}
}
