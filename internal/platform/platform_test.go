package platform

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/runner"
)

func ptr(s string) *string { return &s }

func TestDeployCreatesLiveRelease(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	if err := f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n", "Procfile": "web: serve\nworker: work\n"}); err != nil {
		t.Fatal(err)
	}
	rel, err := f.p.Release(context.Background(), "hello", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !rel.Current || rel.Status != "succeeded" || !strings.HasPrefix(rel.Description, "Deploy ") || rel.CreatedBy != "git push" ||
		!reflect.DeepEqual(rel.ProcessTypes, []string{"web", "worker"}) {
		t.Fatalf("release = %+v", rel)
	}
}

func TestDeployRefusesBadInput(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	for name, files := range map[string]map[string]string{
		"paas looks for": {"README.md": "x"},
		"line 2":         {"Dockerfile": "FROM scratch\n", "Procfile": "web: a\nbroken\n"},
	} {
		err := f.push(t, "hello", files)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("push %v: err = %v, want one mentioning %q", files, err, name)
		}
	}
	if rels, _ := f.store.Releases("hello"); len(rels) != 0 {
		t.Fatalf("refused pushes created releases: %+v", rels)
	}
}

func TestFailedRunKeepsPreviousRelease(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	f.mustPush(t, "hello", "1")
	f.runner.setFail(errBoom)
	err := f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n", "marker": "2"})
	if err == nil || !strings.Contains(err.Error(), "release v2 failed, v1 keeps serving") {
		t.Fatalf("err = %v", err)
	}
	a, _ := f.store.App("hello")
	failed, _ := f.store.Release("hello", 2)
	if a.CurrentVersion != 1 || failed.Status != releases.StatusFailed {
		t.Fatalf("current v%d, v2 %s; want v1 current and v2 failed", a.CurrentVersion, failed.Status)
	}
}

func TestConfigBeforeFirstDeployIsUsedByIt(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	ctx := context.Background()
	rel, err := f.p.UpdateConfig(ctx, "hello", api.ConfigUpdate{"GREETING": ptr("hi")}, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != 1 || !rel.Current || rel.Image != "" || rel.CreatedBy != "tester" {
		t.Fatalf("config-only release = %+v", rel)
	}
	f.mustPush(t, "hello", "1")
	if got := f.runner.last(); got.Version != 2 || got.Config["GREETING"] != "hi" {
		t.Fatalf("first deploy ran %+v; want v2 with GREETING", got)
	}
}

func TestUpdateConfig(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	f.mustPush(t, "hello", "1")
	ctx := context.Background()

	rel, err := f.p.UpdateConfig(ctx, "hello", api.ConfigUpdate{"B": ptr("2"), "A": ptr("s3cr3t-value")}, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != 2 || rel.Description != "Set A, B config vars" || !reflect.DeepEqual(rel.ConfigKeys, []string{"A", "B"}) {
		t.Fatalf("release = %+v", rel)
	}
	if got := f.runner.last(); got.Version != 2 || got.Image != rel.Image || got.Config["A"] != "s3cr3t-value" {
		t.Fatalf("runner got %+v", got)
	}
	rel, err = f.p.UpdateConfig(ctx, "hello", api.ConfigUpdate{"A": nil}, "tester")
	if err != nil || rel.Description != "Remove A config var" {
		t.Fatalf("unset: %+v, %v", rel, err)
	}
	cfg, err := f.p.Config(ctx, "hello")
	if err != nil || !reflect.DeepEqual(cfg, api.ConfigVars{"B": "2"}) {
		t.Fatalf("config = %v, %v", cfg, err)
	}
	if strings.Contains(f.logs.String(), "s3cr3t-value") {
		t.Fatal("a config value reached the daemon's log")
	}
	events := f.events.all()
	if strings.Contains(events, "s3cr3t-value") {
		t.Fatal("a config value reached the app's log stream")
	}
	for _, want := range []string{"paas[build]: Build started", "paas[release]: Release v2 created by tester: Set A, B config vars", "paas[release]: Release v3 is live"} {
		if !strings.Contains(events, want) {
			t.Errorf("platform events lack %q:\n%s", want, events)
		}
	}

	for name, change := range map[string]api.ConfigUpdate{
		"not set":            {"NOPE": nil},
		"invalid config key": {"1BAD": ptr("x")},
		"nothing to change":  {},
	} {
		if _, err := f.p.UpdateConfig(ctx, "hello", change, "tester"); !errors.Is(err, releases.ErrInvalid) || !strings.Contains(err.Error(), name) {
			t.Errorf("UpdateConfig(%v) err = %v, want ErrInvalid mentioning %q", change, err, name)
		}
	}
	if rels, _ := f.store.Releases("hello"); len(rels) != 3 {
		t.Fatalf("refused changes appended releases: %d releases", len(rels))
	}
}

func TestFailedConfigChangeDoesNotLeakIntoTheNext(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	f.mustPush(t, "hello", "1")
	ctx := context.Background()
	f.runner.setFail(errBoom)
	if _, err := f.p.UpdateConfig(ctx, "hello", api.ConfigUpdate{"BAD": ptr("1")}, "t"); err == nil {
		t.Fatal("config change with a failing run succeeded")
	}
	f.runner.setFail(nil)
	if _, err := f.p.UpdateConfig(ctx, "hello", api.ConfigUpdate{"GOOD": ptr("1")}, "t"); err != nil {
		t.Fatal(err)
	}
	if got := f.runner.last().Config; !reflect.DeepEqual(got, map[string]string{"GOOD": "1"}) {
		t.Fatalf("live config = %v; the failed change must not carry over", got)
	}
}

func TestRollback(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	ctx := context.Background()
	f.mustPush(t, "hello", "1")                                            // v1
	f.p.UpdateConfig(ctx, "hello", api.ConfigUpdate{"V": ptr("one")}, "t") // v2
	f.mustPush(t, "hello", "2")                                            // v3
	f.p.UpdateConfig(ctx, "hello", api.ConfigUpdate{"V": ptr("two")}, "t") // v4
	v2, _ := f.store.Release("hello", 2)
	builds := f.builder.builds

	rel, err := f.p.Rollback(ctx, "hello", 2, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != 5 || rel.Description != "Rollback to v2" || rel.Image != v2.Image || !rel.Current {
		t.Fatalf("rollback release = %+v", rel)
	}
	if got := f.runner.last(); got.Version != 5 || got.Config["V"] != "one" {
		t.Fatalf("runner got %+v", got)
	}
	if f.builder.builds != builds {
		t.Fatal("rollback rebuilt the image")
	}

	// No version: the release that was live before the current one.
	rel, err = f.p.Rollback(ctx, "hello", 0, "tester")
	if err != nil || rel.Description != "Rollback to v4" {
		t.Fatalf("rollback to previous: %+v, %v", rel, err)
	}

	for version, want := range map[int]string{6: "already the current", 99: "not found"} {
		if _, err := f.p.Rollback(ctx, "hello", version, "t"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("rollback to v%d: err = %v, want %q", version, err, want)
		}
	}
}

func TestRollbackToRemovedImageChangesNothing(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	ctx := context.Background()
	f.mustPush(t, "hello", "1")
	f.mustPush(t, "hello", "2")
	v1, _ := f.store.Release("hello", 1)
	f.images.Remove(ctx, "", v1.Image)
	_, err := f.p.Rollback(ctx, "hello", 1, "t")
	if !errors.Is(err, ErrImageGone) || !strings.Contains(err.Error(), "git push") {
		t.Fatalf("err = %v, want ErrImageGone with advice", err)
	}
	if rels, _ := f.store.Releases("hello"); len(rels) != 2 {
		t.Fatalf("failed rollback appended a release: %d releases", len(rels))
	}
}

func TestRollbackRefusesFailedRelease(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	f.mustPush(t, "hello", "1")
	f.runner.setFail(errBoom)
	f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n", "marker": "2"})
	f.runner.setFail(nil)
	f.mustPush(t, "hello", "3")
	if _, err := f.p.Rollback(context.Background(), "hello", 2, "t"); err == nil || !strings.Contains(err.Error(), "never went live") {
		t.Fatalf("rollback to a failed release: %v", err)
	}
	rel, err := f.p.Rollback(context.Background(), "hello", 0, "t")
	if err != nil || rel.Description != "Rollback to v1" {
		t.Fatalf("rollback to previous skips the failed v2: %+v, %v", rel, err)
	}
}

func TestConcurrentChangesKeepEveryChange(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	f.mustPush(t, "hello", "0")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := f.p.UpdateConfig(context.Background(), "hello", api.ConfigUpdate{fmt.Sprintf("K%d", i): ptr("v")}, "t"); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n", "marker": fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	rels, err := f.store.Releases("hello")
	if err != nil || len(rels) != 17 {
		t.Fatalf("%d releases, %v; want 17", len(rels), err)
	}
	for i, r := range rels {
		if r.Version != 17-i {
			t.Fatalf("versions out of order: %d at %d", r.Version, i)
		}
	}
	cfg, _ := f.p.Config(context.Background(), "hello")
	if len(cfg) != 8 {
		t.Fatalf("config after concurrent changes = %v; want all 8 keys", cfg)
	}
}

func TestConfigDescription(t *testing.T) {
	tests := []struct {
		in   api.ConfigUpdate
		want string
	}{
		{api.ConfigUpdate{"FOO": ptr("1")}, "Set FOO config var"},
		{api.ConfigUpdate{"FOO": ptr("1"), "BAR": ptr("")}, "Set BAR, FOO config vars"},
		{api.ConfigUpdate{"FOO": nil}, "Remove FOO config var"},
		{api.ConfigUpdate{"A": ptr("1"), "B": nil, "C": nil}, "Set A config var; remove B, C config vars"},
	}
	for _, tt := range tests {
		if got := configDescription(tt.in); got != tt.want {
			t.Errorf("configDescription(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBuildsToPrune(t *testing.T) {
	rel := func(v int, img string) releases.Release { return releases.Release{Version: v, Image: img} }
	build := func(img string) releases.Build { return releases.Build{Image: img} }
	builds := []releases.Build{build("a"), build("b"), build("c"), build("d"), build("a")}
	tests := []struct {
		name    string
		rels    []releases.Release // newest first
		keep    int
		current int
		want    []string
	}{
		{"all within window", []releases.Release{rel(4, "d"), rel(3, "c"), rel(2, "b"), rel(1, "a")}, 10, 4, nil},
		{"oldest falls out", []releases.Release{rel(4, "d"), rel(3, "c"), rel(2, "b"), rel(1, "a")}, 3, 4, []string{"a", "a"}},
		{"current kept outside window", []releases.Release{rel(4, "d"), rel(3, "c"), rel(2, "b"), rel(1, "a")}, 1, 1, []string{"b", "c"}},
		{"config releases share an image", []releases.Release{rel(5, "d"), rel(4, "d"), rel(3, "d"), rel(2, "b"), rel(1, "a")}, 3, 5, []string{"a", "b", "c", "a"}},
		{"image reused by a rollback stays", []releases.Release{rel(3, "a"), rel(2, "b"), rel(1, "a")}, 1, 3, []string{"b", "c", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, b := range buildsToPrune(tt.rels, builds, tt.keep, tt.current, nil) {
				got = append(got, b.Image)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPruneRemovesOnlyOutsideWindow(t *testing.T) {
	f := newFixture(t, 2)
	f.createApp(t, "hello")
	for i := range 4 {
		f.mustPush(t, "hello", fmt.Sprint(i))
	}
	f.p.Close() // wait for background pruning
	rels, _ := f.store.Releases("hello")
	for _, r := range rels {
		exists, _ := f.images.Exists(context.Background(), r.Image)
		if want := r.Version >= 3; exists != want {
			t.Errorf("image of v%d exists=%v, want %v", r.Version, exists, want)
		}
	}
}

// Processes tells the swarm node that runs each process, and none on one
// engine.
func TestProcessesNode(t *testing.T) {
	f := newFixture(t, 0)
	f.createApp(t, "hello")
	f.runner.mu.Lock()
	f.runner.procs = []runner.Process{
		{Name: "web.1", Type: "web", Release: 1, State: "up", Node: "node2"},
		{Name: "worker.1", Type: "worker", Release: 1, State: "up"},
	}
	f.runner.mu.Unlock()
	procs, err := f.p.Processes(context.Background(), "hello")
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 2 || procs[0].Node != "node2" || procs[1].Node != "" {
		t.Errorf("Processes = %+v, want web.1 on node2 and worker.1 on none", procs)
	}
}

// One process is restarted, or stopped (and so replaced); an unknown one is
// not found.
func TestRestartAndStopProcess(t *testing.T) {
	f := newFixture(t, 0)
	f.createApp(t, "hello")
	if err := f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n"}); err != nil {
		t.Fatal(err)
	}
	f.runner.mu.Lock()
	f.runner.procs = []runner.Process{{Name: "web.1", Type: "web", Release: 1, State: "up"}}
	f.runner.mu.Unlock()
	ctx := context.Background()
	if err := f.p.RestartProcess(ctx, "hello", "web.1"); err != nil {
		t.Fatal(err)
	}
	if err := f.p.StopProcess(ctx, "hello", "web.1"); err != nil {
		t.Fatal(err)
	}
	f.runner.mu.Lock()
	got := slices.Clone(f.runner.restarted)
	f.runner.mu.Unlock()
	if !slices.Equal(got, []string{"web.1", "web.1"}) {
		t.Errorf("the runner restarted %v", got)
	}
	if err := f.p.RestartProcess(ctx, "hello", "web.9"); !errors.Is(err, releases.ErrNotFound) {
		t.Errorf("web.9: %v, want not found", err)
	}
}
