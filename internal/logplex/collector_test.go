package logplex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
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

// frames builds the engine's multiplexed stream of stamped messages.
func frames(t *testing.T, msgs []fakeMessage) []byte {
	t.Helper()
	var out bytes.Buffer
	stdout := stdcopy.NewStdWriter(&out, stdcopy.Stdout)
	stderr := stdcopy.NewStdWriter(&out, stdcopy.Stderr)
	for _, m := range msgs {
		w := stdout
		if m.stderr {
			w = stderr
		}
		if _, err := w.Write([]byte(m.t.Format(dockerTimeFormat) + " " + m.text)); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// The frames come through whole however the stream is cut into reads, and
// frames longer than the read buffer too.
func TestFrameReaderTakesAnyReads(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	long := strings.Repeat("z", 40<<10) // longer than the reader's buffer
	msgs := []fakeMessage{
		{t: at, text: "one\n"},
		{t: at.Add(1), stderr: true, text: "two\n"},
		{t: at.Add(2), text: long + "\n"},
		{t: at.Add(3), text: "three\n"},
		{t: at.Add(4), text: "cut short by the end"},
	}
	stream := frames(t, msgs)
	stream = stream[:len(stream)-3] // the last frame is cut short
	for name, r := range map[string]func() io.Reader{
		"whole":       func() io.Reader { return bytes.NewReader(stream) },
		"byte a time": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(stream)) },
		"half":        func() io.Reader { return iotest.HalfReader(bytes.NewReader(stream)) },
	} {
		t.Run(name, func(t *testing.T) {
			p := newLogplex(t, Options{})
			c := &collector{p: p, app: "hello", process: "web.1", container: "c1", ctx: context.Background()}
			fr := &frameReader{c: c}
			if err := fr.read(r()); err != nil {
				t.Fatal(err)
			}
			if got, want := messages(backlog(p, "hello")), []string{"one", "two", long, "three"}; !slices.Equal(got, want) {
				t.Errorf("got %.30q", got)
			}
			if fr.frames != 4 {
				t.Errorf("read %d frames, want 4", fr.frames)
			}
			if got := p.appLog("hello").resumeAfter("c1"); !got.Equal(at.Add(3)) {
				t.Errorf("the cursor is at %v, want the last whole frame's time", got)
			}
		})
	}

	// An error the engine puts into the stream ends the read, after the
	// lines before it.
	p := newLogplex(t, Options{})
	c := &collector{p: p, app: "hello", process: "web.1", container: "c1", ctx: context.Background()}
	stream = frames(t, msgs[:2])
	stream = append(stream, frameSystemErr, 0, 0, 0, 0, 0, 0, 4)
	stream = append(stream, "boom"...)
	err := (&frameReader{c: c}).read(bytes.NewReader(stream))
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("read returned %v, want the engine's error", err)
	}
	if got := messages(backlog(p, "hello")); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("before the error: %q", got)
	}
}

// Lines that arrive together are written together, each with the cursor
// after it: a crash that keeps any part of the spool (a record cut short is
// dropped on load) loses and repeats no line on restart.
func TestEveryCutOfTheSpoolResumesExactly(t *testing.T) {
	dir := t.TempDir()
	docker := newFakeDocker()
	long := strings.Repeat("0123456789abcdef", 100<<10/16) // two lines of the stream
	var want []string
	for i := range 20 {
		docker.write("c1", i%3 == 0, fmt.Sprintf("line %d\n", i))
		want = append(want, fmt.Sprintf("line %d", i))
		if i == 10 {
			for j := 0; j < len(long); j += 16 << 10 {
				docker.write("c1", false, long[j:min(j+16<<10, len(long))])
			}
			docker.write("c1", false, "\n")
			want = append(want, long[:MaxLineBytes], long[MaxLineBytes:])
		}
	}
	docker.stop("c1")
	p := newLogplex(t, Options{Dir: dir, Docker: docker})
	p.ProcessStarted("hello", "web.1", "c1")
	waitFor(t, "the collector to end", func() bool { return following(p) == 0 })
	if got := messages(backlog(p, "hello")); !slices.Equal(got, want) {
		t.Fatalf("collected %.20q", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	spool, err := os.ReadFile(filepath.Join(dir, "hello.log"))
	if err != nil {
		t.Fatal(err)
	}
	for cut := range len(spool) {
		if cut > 0 && spool[cut-1] != '\n' && spool[cut] != '\n' {
			continue // every cut at and just after a record's end
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "hello.log"), spool[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		p := newLogplex(t, Options{Dir: dir, Docker: docker})
		p.ProcessStarted("hello", "web.1", "c1")
		waitFor(t, "the collector to end", func() bool { return following(p) == 0 })
		got := messages(backlog(p, "hello"))
		// The pieces of one long line share a time: a cut between them
		// repeats the first, which is better than losing the rest.
		if got = slices.Compact(got); !slices.Equal(got, want) {
			t.Fatalf("after a cut at byte %d of %d the stream holds %.20q", cut, len(spool), got)
		}
		_ = p.Close()
	}
}

// An add-on's output goes into the stream of each app it is attached to,
// as addon[name], across the restarts of its container, until it is
// detached or gone.
func TestCollectsAddonOutputAcrossRestarts(t *testing.T) {
	docker := newFakeDocker()
	p := newLogplex(t, Options{Docker: docker})
	docker.write("pg", false, "database system is ready\n")
	p.AddonStarted("hello", "postgres-1a2b3c", "pg")
	p.AddonStarted("other", "postgres-1a2b3c", "pg")
	p.AddonStarted("hello", "postgres-1a2b3c", "pg") // already followed: nothing
	waitFor(t, "the first line in both streams", func() bool {
		return len(backlog(p, "hello")) == 1 && len(backlog(p, "other")) == 1
	})
	docker.stop("pg")
	docker.restart("pg")
	docker.write("pg", false, "restarted\n")
	waitFor(t, "the line after the restart in both streams", func() bool {
		return len(backlog(p, "hello")) == 2 && len(backlog(p, "other")) == 2
	})
	for _, l := range backlog(p, "hello") {
		if l.Source != SourceAddon || l.Process != "postgres-1a2b3c" {
			t.Errorf("line %q is %s[%s]", l.Message, l.Source, l.Process)
		}
	}
	if got := backlog(p, "hello")[1].String(); !strings.Contains(got, " addon[postgres-1a2b3c]: restarted") {
		t.Errorf("line reads %q", got)
	}

	p.AddonStopped("other", "pg")
	waitFor(t, "other's collector to stop", func() bool { return following(p) == 1 })
	docker.write("pg", false, "only hello's\n")
	waitFor(t, "the line in hello's stream", func() bool { return len(backlog(p, "hello")) == 3 })
	if n := len(backlog(p, "other")); n != 2 {
		t.Errorf("other has %d lines after the detach, want 2", n)
	}
	docker.stop("pg")
	docker.remove("pg")
	waitFor(t, "the collector to end with the container", func() bool { return following(p) == 0 })
}
