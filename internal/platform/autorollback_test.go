package platform

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/runner"
)

func TestAutoRollbackOnCrashLoop(t *testing.T) {
	poll := watchPoll
	watchPoll = 10 * time.Millisecond
	t.Cleanup(func() { watchPoll = poll }) // runs after the fixture's Close
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	ctx := context.Background()
	f.mustPush(t, "hello", "1")
	if _, err := f.p.UpdateSettings(ctx, "hello", api.SettingsUpdate{"auto-rollback": "on", "auto-rollback-window": "10s"}); err != nil {
		t.Fatal(err)
	}
	f.runner.mu.Lock()
	f.runner.procs = []runner.Process{{Name: "web.1", Type: "web", Release: 2, State: "crashed", Restarts: 2}}
	f.runner.mu.Unlock()
	f.mustPush(t, "hello", "2")

	deadline := time.Now().Add(5 * time.Second)
	for {
		rels, err := f.p.Releases(ctx, "hello")
		if err != nil {
			t.Fatal(err)
		}
		// The rollback's release is recorded pending before it goes live,
		// so wait for it to be current rather than merely present.
		if len(rels) == 3 {
			if !strings.HasPrefix(rels[0].Description, "Rollback to v1 (auto: v2 web.1 restarted 2 times)") ||
				rels[0].CreatedBy != "paasd (auto-rollback)" {
				t.Fatalf("auto-rollback release = %+v", rels[0])
			}
			if rels[0].Current {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no live auto-rollback within 5s: %+v", rels)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCrashLoopDetection(t *testing.T) {
	f := newFixture(t, 10)
	rel := releases.Release{App: "hello", Version: 2}
	tests := []struct {
		procs []runner.Process
		want  string
	}{
		{nil, ""},
		{[]runner.Process{{Name: "web.1", Release: 2, State: "up", Restarts: 1}}, ""},
		{[]runner.Process{{Name: "web.1", Release: 1, State: "crashed", Restarts: 5}}, ""}, // another release
		{[]runner.Process{{Name: "web.1", Release: 2, State: "up"}, {Name: "worker.1", Release: 2, State: "crashed", Restarts: 2}}, "worker.1 restarted 2 times"},
	}
	for _, tt := range tests {
		f.runner.mu.Lock()
		f.runner.procs = tt.procs
		f.runner.mu.Unlock()
		if got, err := f.p.crashLoop(context.Background(), rel); err != nil || got != tt.want {
			t.Errorf("crashLoop(%+v) = %q, %v; want %q", tt.procs, got, err, tt.want)
		}
	}
}

func TestSettingsValidation(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	ctx := context.Background()
	st, err := f.p.UpdateSettings(ctx, "hello", api.SettingsUpdate{"health-path": "/health", "boot-timeout": "90s"})
	if err != nil || st.HealthPath != "/health" || st.BootTimeout != "1m30s" {
		t.Fatalf("settings = %+v, %v", st, err)
	}
	for k, v := range map[string]string{"health-path": "health", "boot-timeout": "forever", "auto-rollback": "maybe", "colour": "blue", "stop-timeout": "0s"} {
		if _, err := f.p.UpdateSettings(ctx, "hello", api.SettingsUpdate{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: err = %v", k, v, err)
		}
	}
	if st, _ := f.p.Settings(ctx, "hello"); st.HealthPath != "/health" {
		t.Fatalf("a refused change altered settings: %+v", st)
	}
}

func TestReleasePhaseRunsBeforeGoingLive(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	if err := f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n", "Procfile": "web: serve\nrelease: ./migrate\n"}); err != nil {
		t.Fatal(err)
	}
	if len(f.runner.oneOffs) != 1 || f.runner.oneOffs[0].Command != "./migrate" || f.runner.oneOffs[0].Type != "release" {
		t.Fatalf("one-offs = %+v", f.runner.oneOffs)
	}
	if spec := f.runner.lastSpec(); spec.Formation["web"] != 1 || len(spec.Formation) != 1 {
		t.Fatalf("first deploy formation = %v, want web=1 only", spec.Formation)
	}
	f.runner.mu.Lock()
	f.runner.exitCode = 3
	f.runner.mu.Unlock()
	err := f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n", "Procfile": "web: serve\nrelease: ./migrate\n", "x": "2"})
	if err == nil || !strings.Contains(err.Error(), "release command exited with status 3") || !strings.Contains(err.Error(), "v1 keeps serving") {
		t.Fatalf("failing release phase: %v", err)
	}
}

func TestScaleRefusesUnknownTypeAndReverts(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	ctx := context.Background()
	if _, err := f.p.Scale(ctx, "hello", api.Formation{"web": 2}, "t"); err == nil || !strings.Contains(err.Error(), "deploy with git push first") {
		t.Fatalf("scale before a deploy: %v", err)
	}
	if err := f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n", "Procfile": "web: serve\nworker: work\n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Scale(ctx, "hello", api.Formation{"clock": 1}, "t"); err == nil || !strings.Contains(err.Error(), "worker") {
		t.Fatalf("scale of an unknown type: %v", err)
	}
	got, err := f.p.Scale(ctx, "hello", api.Formation{"worker": 2}, "t")
	if err != nil || got["web"] != 1 || got["worker"] != 2 {
		t.Fatalf("scale = %v, %v", got, err)
	}
	f.runner.setFail(errBoom)
	if _, err := f.p.Scale(ctx, "hello", api.Formation{"web": 5}, "t"); err == nil {
		t.Fatal("failing scale succeeded")
	}
	if got, _ := f.p.Formation(ctx, "hello"); got["web"] != 1 {
		t.Fatalf("formation after a failed scale = %v, want web back at 1", got)
	}
}
