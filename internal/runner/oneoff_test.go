package runner

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRunOneOff(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{DefaultMemory: 64 << 20})
	be.run = func(ctx context.Context, spec ContainerSpec, stdio Stdio) (int, error) {
		_, _ = io.Copy(stdio.Stdout, stdio.Stdin)
		fmt.Fprint(stdio.Stderr, "to stderr")
		return 7, nil
	}
	var stdout, stderr strings.Builder
	res, err := r.RunOneOff(context.Background(), OneOff{
		Release: release("shop", 4), Type: "run", Command: "cat",
		Stdin: strings.NewReader("to stdin"), Stdout: &stdout, Stderr: &stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res != (OneOffResult{Process: "run.1", ExitCode: 7}) || stdout.String() != "to stdin" || stderr.String() != "to stderr" {
		t.Errorf("RunOneOff = %+v, stdout %q, stderr %q", res, stdout.String(), stderr.String())
	}
	if got := be.ids(); len(got) != 0 {
		t.Errorf("containers after the run = %v, want none", got)
	}
	s := be.spec("new1")
	if !slices.Equal(s.Cmd, []string{"/bin/sh", "-c", "cat"}) || s.Port != 0 || s.Memory != 64<<20 || s.AutoRemove {
		t.Errorf("spec = %+v", s)
	}
	if s.Labels[LabelOneOff] != oneOffAttached || s.Labels[LabelProcess] != "run.1" || s.Labels[LabelType] != "run" || s.Labels[LabelRelease] != "v4" {
		t.Errorf("labels = %v", s.Labels)
	}
	for _, kv := range []string{"PAAS_PROCESS=run.1", "DYNO=run.1", "PORT=5000", "GREETING=hi"} {
		if !slices.Contains(s.Env, kv) {
			t.Errorf("env lacks %s: %q", kv, s.Env)
		}
	}
	log := logOf(r)
	for _, line := range []string{
		"shop run.1: Starting process with command `cat`",
		"shop run.1: State changed from starting to up",
		"shop run.1: Process exited with status 7",
		"shop run.1: State changed from up to complete",
	} {
		if !log.has(line) {
			t.Errorf("events lack %q: %q", line, log.all())
		}
	}
	if got := log.startedAll(); !slices.Equal(got, []string{"shop run.1 new1"}) {
		t.Errorf("ProcessStarted = %q", got)
	}

	// Names count up per type.
	for _, want := range []OneOffResult{{"run.2", 0}, {"release.1", 0}} {
		typ, _ := parseProcess(want.Process)
		be.run = nil
		res, err := r.RunOneOff(context.Background(), OneOff{Release: release("shop", 4), Type: typ, Command: "true"})
		if err != nil || res != want {
			t.Errorf("RunOneOff = %+v, %v; want %+v", res, err, want)
		}
	}
}

func TestRunOneOffCancelRemoves(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{})
	be.run = func(ctx context.Context, spec ContainerSpec, stdio Stdio) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := r.RunOneOff(ctx, OneOff{Release: release("shop", 4), Command: "sleep 60"})
	if err == nil || !strings.Contains(err.Error(), "run run.1") {
		t.Fatalf("RunOneOff = %v, want the cancellation", err)
	}
	if got := be.ids(); len(got) != 0 {
		t.Errorf("containers = %v, want none", got)
	}
}

func TestRunOneOffDetached(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{})
	res, err := r.RunOneOff(context.Background(), OneOff{Release: release("shop", 4), Type: "run", Command: "./migrate", Detach: true})
	if err != nil || res != (OneOffResult{Process: "run.1"}) {
		t.Fatalf("RunOneOff = %+v, %v", res, err)
	}
	if s := be.spec("new1"); s.AutoRemove || s.Labels[LabelOneOff] != oneOffDetached {
		t.Errorf("a detached one-off must be labelled detached and outlive its exit for the log collector: %+v", s)
	}
	if p := process(t, r, "shop", "run.1"); p.State != StateUp || p.Command != "./migrate" || p.Type != "run" {
		t.Errorf("Processes run.1 = %+v", p)
	}
	be.exit("new1", 0)
	if !eventually(t, 5*time.Second, func() bool { return logOf(r).has("shop run.1: Process exited with status 0") }) {
		t.Errorf("events: %q", logOf(r).all())
	}
}

func TestFormationChangesLeaveOneOffsAlone(t *testing.T) {
	r, be, _, ev := newTestRunner(t, Options{})
	oneOff := existing("oneoff", "shop", 1, "run.1", true)
	oneOff.Labels[LabelOneOff] = oneOffAttached
	be.add(oneOff)
	ctx := context.Background()
	if err := r.Deploy(ctx, spec(release("shop", 2), "web=1"), io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := r.Restart(ctx, spec(release("shop", 2), "web=1"), "", io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := r.Scale(ctx, spec(release("shop", 2), "web=0"), io.Discard); err != nil {
		t.Fatal(err)
	}
	if ev.index("stop oneoff") >= 0 || ev.index("remove oneoff") >= 0 {
		t.Errorf("a formation change touched a one-off process: %v", ev.all())
	}
	if err := r.StopApp(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	if ev.index("stop oneoff") < 0 {
		t.Errorf("StopApp must stop one-offs too: %v", ev.all())
	}
}
