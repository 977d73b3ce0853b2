package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/dockertest"
)

func TestDockerRunOneOff(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	r := env.runnerWith(t, &fakeRoutes{ev: &events{}}, Options{})
	rel := env.release(app, 3, httpdWeb("v3"))

	tests := []struct {
		name                string
		command, stdin      string
		code                int
		wantOut, wantErrOut string
	}{
		{"exit code and streams", "echo to stdout; echo to stderr >&2; exit 7", "", 7, "to stdout\n", "to stderr\n"},
		{"stdin reaches it", "cat; echo after EOF", "line one\nline two\n", 0, "line one\nline two\nafter EOF\n", ""},
		{"environment", "echo $PAAS_PROCESS $DYNO $PORT $PAAS_RELEASE $GREETING", "", 0, "run.3 run.3 5000 v3 hello from config\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			o := OneOff{Release: rel, Type: "run", Command: tt.command, Stdout: &stdout, Stderr: &stderr}
			if tt.stdin != "" {
				o.Stdin = strings.NewReader(tt.stdin)
			}
			res, err := r.RunOneOff(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != tt.code || stdout.String() != tt.wantOut || stderr.String() != tt.wantErrOut {
				t.Errorf("RunOneOff = %+v, stdout %q, stderr %q; want code %d, %q, %q", res, stdout.String(), stderr.String(), tt.code, tt.wantOut, tt.wantErrOut)
			}
			if ids := env.ids(t, app); len(ids) != 0 {
				t.Errorf("containers after the run: %v", ids)
			}
		})
	}

	t.Run("cancel kills and removes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		began := time.Now()
		_, err := r.RunOneOff(ctx, OneOff{Release: rel, Command: "exec sleep 60"})
		if err == nil || time.Since(began) > 15*time.Second {
			t.Errorf("RunOneOff = %v after %s, want a cancellation", err, time.Since(began))
		}
		if ids := env.ids(t, app); len(ids) != 0 {
			t.Errorf("containers after a cancelled run: %v", ids)
		}
	})
}

func TestDockerRunOneOffDetached(t *testing.T) {
	env := newDockerEnv(t)
	ctx := context.Background()
	app := "app-" + dockertest.RandomSuffix()
	r := env.runnerWith(t, &fakeRoutes{ev: &events{}}, Options{DetachedKeep: 100 * time.Millisecond})
	// The process outlives the call by far: finding it still up once the
	// call returned shows the call did not wait for it, without timing.
	res, err := r.RunOneOff(ctx, OneOff{Release: env.release(app, 1, httpdWeb("v1")), Type: "run", Command: "sleep 8; echo done", Detach: true})
	if err != nil || res.ExitCode != 0 || res.Process != "run.1" {
		t.Fatalf("RunOneOff = %+v, %v", res, err)
	}
	if p := process(t, r, app, "run.1"); p.State != StateUp {
		t.Errorf("run.1 = %+v, want up while it runs: a detached run must not wait for the process", p)
	}
	if !eventually(t, 40*time.Second, func() bool { return len(env.ids(t, app)) == 0 }) {
		t.Errorf("the detached container did not remove itself: %v", env.ids(t, app))
	}
	if !eventually(t, 5*time.Second, func() bool { return logOf(r).has(app + " run.1: Process exited with status 0") }) {
		t.Errorf("events: %q", logOf(r).all())
	}
}
