package platform

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/builder"
)

// syncBuffer is a terminal two goroutines may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A push is a build run from its start: listed with its builder, commit,
// start and outcome, its output kept, and the memory cap passed to the
// engine.
// results records what SetObserver gives.
type results struct {
	mu      sync.Mutex
	seen    []string // builds
	deploys []string
}

func (b *results) BuildDone(app, builder, status string, _ time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seen = append(b.seen, app+" "+builder+" "+status)
}

func (b *results) DeployDone(app, status string, _ time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deploys = append(b.deploys, app+" "+status)
}

func (b *results) BackupDone(string, string, time.Duration) {}

func TestPushIsABuildRun(t *testing.T) {
	f := newFixture(t, 10)
	results := &results{}
	f.p.SetObserver(results)
	f.createApp(t, "hello")
	f.mustPush(t, "hello", "one")
	ctx := context.Background()
	list, err := f.p.Builds(ctx, "hello")
	if err != nil || len(list) != 1 {
		t.Fatalf("Builds = %+v, %v", list, err)
	}
	b := list[0]
	if b.Status != api.BuildSucceeded || b.Source != "git push" || b.Builder != "dockerfile" || len(b.Commit) != 40 ||
		b.StartedAt == nil || b.Release == nil || b.OutputStreamURL == "" {
		t.Errorf("build = %+v", b)
	}
	if f.builder.opts.Memory != DefaultBuildMemory {
		t.Errorf("build memory = %d, want %d", f.builder.opts.Memory, DefaultBuildMemory)
	}
	var out bytes.Buffer
	if err := f.p.StreamBuildOutput(ctx, "hello", "", &out, func() {}); err != nil ||
		!strings.Contains(out.String(), "Dockerfile app detected") || !strings.Contains(out.String(), "succeeded") {
		t.Errorf("output = %q, %v", out.String(), err)
	}
	if err := f.p.StreamBuildOutput(ctx, "hello", "nope1234", &out, func() {}); err == nil {
		t.Error("output of an unknown build")
	}

	f.builder.fail = &builder.BuildError{Message: "The command '/bin/sh -c make' returned a non-zero code: 137"}
	err = f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n", "x": "2"})
	if err == nil || !strings.Contains(err.Error(), "PAAS_BUILD_MEMORY") || !strings.Contains(err.Error(), "2g") {
		t.Errorf("push over the memory limit: %v", err)
	}
	results.mu.Lock()
	if want := []string{"hello dockerfile succeeded", "hello dockerfile failed"}; !slices.Equal(results.seen, want) {
		t.Errorf("build results = %q, want %q", results.seen, want)
	}
	if want := []string{"hello succeeded"}; !slices.Equal(results.deploys, want) {
		t.Errorf("deploy results = %q, want %q", results.deploys, want)
	}
	results.mu.Unlock()
	list, _ = f.p.Builds(ctx, "hello")
	if last := list[len(list)-1]; last.Status != api.BuildFailed || !strings.Contains(last.Error, "PAAS_BUILD_MEMORY") {
		t.Errorf("failed build = %+v", last)
	}
}

// With one build slot a second push waits, says so, and builds after the
// first.
func TestBuildQueue(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "one")
	f.createApp(t, "two")
	hold := make(chan struct{})
	f.builder.hold, f.builder.started = hold, make(chan struct{}, 2)
	first := make(chan error, 1)
	go func() { first <- f.push(t, "one", map[string]string{"Dockerfile": "FROM scratch\n"}) }()
	<-f.builder.started
	var out syncBuffer
	second := make(chan error, 1)
	go func() { second <- f.pushTo(t, "two", map[string]string{"Dockerfile": "FROM scratch\n"}, &out) }()
	waitFor(t, func() bool { return strings.Contains(out.String(), "Waiting for a build slot") })
	if !strings.Contains(out.String(), "one (build") || !strings.Contains(out.String(), "PAAS_BUILD_CONCURRENCY") {
		t.Errorf("waiting push says %q", out.String())
	}
	list, _ := f.p.Builds(context.Background(), "two")
	if len(list) != 1 || list[0].Status != api.BuildPending {
		t.Errorf("waiting build = %+v", list)
	}
	close(hold)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
}

// builds:cancel ends a build that is building, and one that waits; a
// finished one is refused.
func TestCancelBuild(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	f.builder.hold, f.builder.started = make(chan struct{}), make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() { done <- f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n"}) }()
	<-f.builder.started
	ctx := context.Background()
	b, err := f.p.CancelBuild(ctx, "hello", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, errBuildCancelled) {
		t.Errorf("push = %v, want cancelled", err)
	}
	got := waitBuild(t, f.p, "hello", b.ID, api.BuildCancelled)
	if !strings.Contains(got.Error, "cancelled") {
		t.Errorf("cancelled build = %+v", got)
	}
	if _, err := f.p.CancelBuild(ctx, "hello", b.ID); err == nil || !strings.Contains(err.Error(), "cancelled already") {
		t.Errorf("cancel of a cancelled build: %v", err)
	}
	if _, err := f.p.CancelBuild(ctx, "hello", ""); err == nil || !strings.Contains(err.Error(), "no build pending") {
		t.Errorf("cancel with none running: %v", err)
	}
	if len(f.runner.deployed) != 0 {
		t.Errorf("a cancelled build was released: %+v", f.runner.deployed)
	}
}

// A build past its time limit fails naming the limit.
func TestBuildTimeout(t *testing.T) {
	f := newFixture(t, 10)
	f.p.opts.BuildTimeout = 50 * time.Millisecond
	f.createApp(t, "hello")
	f.builder.hold = make(chan struct{})
	err := f.push(t, "hello", map[string]string{"Dockerfile": "FROM scratch\n"})
	if err == nil || !strings.Contains(err.Error(), "PAAS_BUILD_TIMEOUT") || !strings.Contains(err.Error(), "50ms") {
		t.Errorf("push = %v", err)
	}
}

// An image the engine has is released without a build; one it lacks, or
// a name that is no image reference, is refused.
func TestDeployImage(t *testing.T) {
	f := newFixture(t, 10)
	f.createApp(t, "hello")
	f.images.add("myimage:1")
	ctx := context.Background()
	b, err := f.p.CreateBuild(ctx, "hello", api.BuildRequest{Image: "myimage:1"})
	if err != nil || b.Source != "image" || b.Image != "myimage:1" {
		t.Fatalf("CreateBuild = %+v, %v", b, err)
	}
	got := waitBuild(t, f.p, "hello", b.ID, api.BuildSucceeded)
	if got.Release == nil {
		t.Errorf("build = %+v", got)
	}
	rels, err := f.p.Releases(ctx, "hello")
	if err != nil || len(rels) != 1 || !strings.Contains(rels[0].Description, "myimage:1") {
		t.Errorf("releases = %+v, %v", rels, err)
	}
	b, err = f.p.CreateBuild(ctx, "hello", api.BuildRequest{Image: "nope:1"})
	if err != nil {
		t.Fatal(err)
	}
	got = waitBuild(t, f.p, "hello", b.ID, api.BuildFailed)
	if !strings.Contains(got.Error, "not found") {
		t.Errorf("build of a missing image = %+v", got)
	}
	for _, bad := range []string{"-rm", "Upper:1", "a b", "../x"} {
		if _, err := f.p.CreateBuild(ctx, "hello", api.BuildRequest{Image: bad}); err == nil || !strings.Contains(err.Error(), "no image reference") {
			t.Errorf("image %q: %v", bad, err)
		}
	}
}

// waitFor waits until cond holds, for 10 seconds at most.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
