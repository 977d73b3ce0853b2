package logplex

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/docker/docker/api/types/container"
)

func following(p *Logplex) int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.following)
}

func TestCollectsContainerOutput(t *testing.T) {
	docker := newFakeDocker()
	p := newLogplex(t, Options{Docker: docker})
	long := strings.Repeat("0123456789abcdef", 100<<10/16) // 100 KiB
	docker.write("c1", false, "listening on 5000\n")
	docker.write("c1", true, "warning: on stderr\r\n")
	// The engine cuts lines at 16 KiB into messages without a newline.
	for i := 0; i < len(long); i += 16 << 10 {
		docker.write("c1", false, long[i:min(i+16<<10, len(long))])
	}
	docker.write("c1", false, "\n")
	docker.write("c1", false, "")
	docker.write("c1", false, "\n") // an empty line

	p.ProcessStarted("hello", "web.1", "c1")
	p.ProcessStarted("hello", "web.1", "c1") // already followed: nothing
	waitFor(t, "the lines so far", func() bool { return len(backlog(p, "hello")) == 5 })
	docker.write("c1", false, "exiting without a newline")
	docker.stop("c1")
	waitFor(t, "the collector to end with the container", func() bool { return following(p) == 0 })

	got := backlog(p, "hello")
	want := []string{"listening on 5000", "warning: on stderr", long[:MaxLineBytes], long[MaxLineBytes:], "", "exiting without a newline"}
	if !slices.Equal(messages(got), want) {
		t.Fatalf("got %d lines %.60q, want %d", len(got), messages(got), len(want))
	}
	for i, l := range got {
		if l.Source != SourceApp || l.Process != "web.1" || l.App != "hello" {
			t.Errorf("line %d is %s %s[%s]", i, l.App, l.Source, l.Process)
		}
		if i > 0 && l.Time.Before(got[i-1].Time) {
			t.Errorf("line %d is older than the one before", i)
		}
	}
	// Once while it ran, once more to be sure nothing was left.
	if n := len(docker.logsCalls()); n != 2 {
		t.Errorf("the container was followed %d times, want twice", n)
	}
	opts := docker.logsCalls()[0]
	if !opts.Follow || !opts.Timestamps || !opts.ShowStdout || !opts.ShowStderr || opts.Since != "" {
		t.Errorf("followed with %+v", opts)
	}
}

// The engine may end a follow early and cleanly while the container still
// writes; the collector follows again from its cursor and loses nothing.
func TestFollowEndedEarlyLosesNothing(t *testing.T) {
	docker := newFakeDocker()
	docker.cutFirstFollow = 3
	p := newLogplex(t, Options{Docker: docker})
	for i := 1; i <= 10; i++ {
		docker.write("c1", i%2 == 0, fmt.Sprintf("line %d\n", i))
	}
	p.ProcessStarted("hello", "web.1", "c1")
	waitFor(t, "the first ten lines", func() bool { return len(backlog(p, "hello")) == 10 })
	docker.write("c1", false, "line 11\n")
	docker.stop("c1")
	waitFor(t, "the collector to end with the container", func() bool { return following(p) == 0 })
	got := messages(backlog(p, "hello"))
	for i, m := range got {
		if want := fmt.Sprintf("line %d", i+1); m != want {
			t.Fatalf("line %d = %q, want %q (all: %q)", i, m, want, got)
		}
	}
	if len(got) != 11 {
		t.Fatalf("got %d lines, want 11: %q", len(got), got)
	}
}

// A paasd restart loses none of the lines a container writes while paasd is
// down, and repeats none it had.
func TestResumeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	docker := newFakeDocker()
	p := newLogplex(t, Options{Dir: dir, Docker: docker})
	docker.write("c1", false, numberedLines("out ", 1, 50)...)
	docker.write("c1", true, numberedLines("err ", 1, 50)...)
	p.ProcessStarted("hello", "web.1", "c1")
	waitFor(t, "the first 100 lines", func() bool { return len(backlog(p, "hello")) == 100 })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	lastSeen := docker.containers["c1"].messages[99].t
	callsBefore := len(docker.logsCalls())

	// Written while paasd is down.
	docker.write("c1", false, numberedLines("out ", 51, 60)...)
	docker.write("c1", true, numberedLines("err ", 51, 60)...)

	p = newLogplex(t, Options{Dir: dir, Docker: docker})
	p.ProcessStarted("hello", "web.1", "c1")
	waitFor(t, "the lines written while down", func() bool { return len(backlog(p, "hello")) >= 120 })
	docker.write("c1", false, numberedLines("out ", 61, 70)...)
	docker.stop("c1")
	waitFor(t, "the collector to end", func() bool { return following(p) == 0 })

	want := slices.Concat(numbered("out ", 1, 50), numbered("err ", 1, 50), numbered("out ", 51, 60), numbered("err ", 51, 60), numbered("out ", 61, 70))
	if got := messages(backlog(p, "hello")); !slices.Equal(got, want) {
		t.Errorf("after the restart the stream holds %d lines, want %d, each once, in order:\n%q", len(got), len(want), got)
	}
	resumed := docker.logsCalls()[callsBefore]
	if want := dockerTimestamp(lastSeen.Add(1)); resumed.Since != want {
		t.Errorf("resumed with Since %q, want %q (the last line seen + 1ns)", resumed.Since, want)
	}

	// After the container ended and its history was compacted away, a
	// follow still starts after what was read.
	_ = p.Close()
	p = newLogplex(t, Options{Dir: dir, Docker: docker, BufferLines: 10})
	for i := range 30 {
		p.Platform("hello", "api", strings.Repeat("x", i))
	}
	_ = p.Close()
	p = newLogplex(t, Options{Dir: dir, Docker: docker, BufferLines: 10})
	p.ProcessStarted("hello", "web.1", "c1")
	waitFor(t, "the collector to end", func() bool { return following(p) == 0 })
	for _, l := range backlog(p, "hello") {
		if l.Source == SourceApp {
			t.Errorf("a container that was read to its end gave %q again", l.Message)
		}
	}
}

// A line still being written when paasd stops, its first parts on stdout
// already read, comes back whole after the restart.
func TestResumeKeepsALinePendingAtTheStop(t *testing.T) {
	dir := t.TempDir()
	docker := newFakeDocker()
	p := newLogplex(t, Options{Dir: dir, Docker: docker})
	part := strings.Repeat("y", 16<<10)
	docker.write("c1", false, "before\n", part)
	docker.write("c1", true, "meanwhile on stderr\n")
	p.ProcessStarted("hello", "web.1", "c1")
	waitFor(t, "two lines", func() bool { return len(backlog(p, "hello")) == 2 })
	_ = p.Close()

	docker.write("c1", false, part+"\n")
	docker.stop("c1")
	p = newLogplex(t, Options{Dir: dir, Docker: docker})
	p.ProcessStarted("hello", "web.1", "c1")
	waitFor(t, "the collector to end", func() bool { return following(p) == 0 })
	got := messages(backlog(p, "hello"))
	// The stderr line, written after the long line began, may come twice:
	// one position in the stream cannot keep both, and losing is worse.
	got = slices.Compact(got)
	if !slices.Equal(got, []string{"before", "meanwhile on stderr", part + part}) {
		t.Errorf("got %.40q", got)
	}
}

func TestCollectorStopsForAMissingContainer(t *testing.T) {
	docker := newFakeDocker()
	p := newLogplex(t, Options{Docker: docker})
	p.ProcessStarted("hello", "web.1", "gone")
	waitFor(t, "the collector to give up", func() bool { return following(p) == 0 })
	if n := len(docker.logsCalls()); n != 1 {
		t.Errorf("a missing container was asked for %d times, want once", n)
	}
}

// flakyDocker fails its first calls, the way a restarting engine does.
type flakyDocker struct {
	*fakeDocker
	failures atomic.Int32
}

func (d *flakyDocker) ContainerLogs(ctx context.Context, id string, opts container.LogsOptions) (io.ReadCloser, error) {
	if d.failures.Add(-1) >= 0 {
		return nil, errors.New("connection refused")
	}
	return d.fakeDocker.ContainerLogs(ctx, id, opts)
}

func TestCollectorRetries(t *testing.T) {
	docker := &flakyDocker{fakeDocker: newFakeDocker()}
	docker.failures.Store(2)
	p := newLogplex(t, Options{Docker: docker})
	docker.write("c1", false, "hello\n")
	p.ProcessStarted("hello", "web.1", "c1")
	waitFor(t, "the line after two failures", func() bool { return len(backlog(p, "hello")) == 1 })
}

func TestCloseStopsCollectors(t *testing.T) {
	docker := newFakeDocker()
	p := newLogplex(t, Options{Docker: docker})
	docker.write("c1", false, "hello\n")
	p.ProcessStarted("hello", "web.1", "c1")
	waitFor(t, "the line", func() bool { return len(backlog(p, "hello")) == 1 })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n := following(p); n != 0 {
		t.Errorf("%d collectors run after Close", n)
	}
	p.ProcessStarted("hello", "web.1", "c2") // after Close: nothing
	if n := following(p); n != 0 {
		t.Errorf("ProcessStarted after Close started a collector")
	}
}

func numberedLines(prefix string, from, to int) []string {
	out := numbered(prefix, from, to)
	for i := range out {
		out[i] += "\n"
	}
	return out
}
