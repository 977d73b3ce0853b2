package logplex

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newLogplex returns a Logplex that is closed when the test ends.
func newLogplex(t *testing.T, opts Options) *Logplex {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// waitFor polls cond until it holds, failing the test after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// receive takes n lines from ch, failing the test if they do not come.
func receive(t *testing.T, ch <-chan Line, n int) []Line {
	t.Helper()
	var out []Line
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case l, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed after %d of %d lines", len(out), n)
			}
			out = append(out, l)
		case <-timeout:
			t.Fatalf("got %d of %d lines", len(out), n)
		}
	}
	return out
}

func messages(lines []Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Message
	}
	return out
}

func backlog(p *Logplex, app string) []Line {
	lines, _ := p.Tail(context.Background(), app, Filter{}, 1<<30, false)
	return lines
}

func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

func TestLineString(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.UTC)
	for _, tc := range []struct {
		line Line
		want string
	}{
		{Line{Time: at, Source: SourceApp, Process: "web.1", Message: "listening on 5000"},
			"2026-11-26T09:00:00.123456Z app[web.1]: listening on 5000"},
		{Line{Time: at, Source: SourceRouter, Message: `at=info method=GET path="/"`},
			`2026-11-26T09:00:00.123456Z router: at=info method=GET path="/"`},
		{Line{Time: at, Source: SourcePaas, Process: "build", Message: "build started"},
			"2026-11-26T09:00:00.123456Z paas[build]: build started"},
		{Line{Time: time.Date(2026, 11, 26, 10, 0, 0, 0, time.FixedZone("CET", 3600)), Source: SourceApp, Process: "run.1", Message: ""},
			"2026-11-26T09:00:00.000000Z app[run.1]: "},
	} {
		if got := tc.line.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestFilter(t *testing.T) {
	lines := []Line{
		{Source: SourceApp, Process: "web.1"},
		{Source: SourceApp, Process: "web.12"},
		{Source: SourceApp, Process: "webhook.1"},
		{Source: SourceApp, Process: "worker.1"},
		{Source: SourceRouter},
		{Source: SourcePaas, Process: "build"},
	}
	for _, tc := range []struct {
		filter Filter
		want   []int
	}{
		{Filter{}, []int{0, 1, 2, 3, 4, 5}},
		{Filter{Source: SourceApp}, []int{0, 1, 2, 3}},
		{Filter{Process: "web"}, []int{0, 1}},
		{Filter{Process: "web.1"}, []int{0}},
		{Filter{Source: SourceApp, Process: "worker"}, []int{3}},
		{Filter{Source: SourceRouter}, []int{4}},
		{Filter{Source: SourcePaas, Process: "build"}, []int{5}},
		{Filter{Source: SourceRouter, Process: "web"}, nil},
	} {
		var got []int
		for i, l := range lines {
			if tc.filter.Match(l) {
				got = append(got, i)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v matches %v, want %v", tc.filter, got, tc.want)
		}
	}
}

func TestPublishEventsAndTime(t *testing.T) {
	p := newLogplex(t, Options{})
	before := time.Now()
	p.Event("hello", "web.1 crashed (exit 1), restarting")
	p.Platform("hello", "build", "build started\nstep 1/3\n")
	p.RouterLine("hello", "at=info status=200")
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 7200))
	p.Publish(Line{Time: at, App: "hello", Source: SourceApp, Process: "web.1", Message: "given time"})
	p.Publish(Line{Message: "no app: dropped"})

	got := backlog(p, "hello")
	want := []string{
		"paas[runner]: web.1 crashed (exit 1), restarting",
		"paas[build]: build started",
		"paas[build]: step 1/3",
		"router: at=info status=200",
		"app[web.1]: given time",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %v", len(got), len(want), got)
	}
	for i, l := range got {
		if s := l.String(); !strings.HasSuffix(s, " "+want[i]) {
			t.Errorf("line %d = %q, want it to end in %q", i, s, want[i])
		}
		if l.App != "hello" || l.Time.Location() != time.UTC {
			t.Errorf("line %d: app %q, time %v: want hello, UTC", i, l.App, l.Time)
		}
		if i < 4 && (l.Time.Before(before) || l.Time.After(time.Now())) {
			t.Errorf("line %d: time %v was not taken at publication", i, l.Time)
		}
	}
	if !got[4].Time.Equal(at) {
		t.Errorf("given time became %v", got[4].Time)
	}
}

func TestPublishSplitsLongLines(t *testing.T) {
	p := newLogplex(t, Options{})
	// "é" is two bytes: an odd cut would fall inside one.
	long := "x" + strings.Repeat("é", MaxLineBytes) // 128 KiB + 1
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: long})
	got := backlog(p, "hello")
	if len(got) != 3 {
		t.Fatalf("a %d-byte line became %d lines, want 3", len(long), len(got))
	}
	var joined strings.Builder
	for i, l := range got {
		if len(l.Message) > MaxLineBytes || !utf8.ValidString(l.Message) {
			t.Errorf("piece %d: %d bytes, valid UTF-8 %v", i, len(l.Message), utf8.ValidString(l.Message))
		}
		joined.WriteString(l.Message)
	}
	if joined.String() != long {
		t.Error("the pieces do not add up to the line")
	}
}

func TestOrderingPerProcess(t *testing.T) {
	p := newLogplex(t, Options{})
	const perProcess = 500
	var wg sync.WaitGroup
	for _, ps := range []string{"web.1", "web.2", "worker.1"} {
		wg.Go(func() {
			for i := range perProcess {
				p.Publish(Line{App: "hello", Source: SourceApp, Process: ps, Message: strconv.Itoa(i)})
			}
		})
	}
	wg.Wait()
	got := backlog(p, "hello")
	if len(got) != 3*perProcess {
		t.Fatalf("got %d lines, want %d", len(got), 3*perProcess)
	}
	next := map[string]int{}
	for i, l := range got {
		if l.Message != strconv.Itoa(next[l.Process]) {
			t.Fatalf("line %d of %s is %q, want %d", i, l.Process, l.Message, next[l.Process])
		}
		next[l.Process]++
		if i > 0 && l.Time.Before(got[i-1].Time) {
			t.Errorf("line %d is older than the line before it", i)
		}
	}
}

func TestTailFiltersAndCounts(t *testing.T) {
	p := newLogplex(t, Options{})
	for i := range 10 {
		p.Publish(Line{App: "hello", Source: SourceApp, Process: fmt.Sprintf("web.%d", i%2+1), Message: strconv.Itoa(i)})
		p.RouterLine("hello", "r"+strconv.Itoa(i))
	}
	p.Publish(Line{App: "other", Source: SourceApp, Process: "web.1", Message: "not hello"})
	for _, tc := range []struct {
		f    Filter
		n    int
		want []string
	}{
		{Filter{}, 3, []string{"r8", "9", "r9"}},
		{Filter{Process: "web.2"}, 3, []string{"5", "7", "9"}},
		{Filter{Process: "web"}, 100, numbered("", 0, 9)},
		{Filter{Source: SourceRouter}, 2, []string{"r8", "r9"}},
		{Filter{}, 0, nil},
		{Filter{}, -1, nil},
	} {
		lines, ch := p.Tail(context.Background(), "hello", tc.f, tc.n, false)
		if ch != nil {
			t.Error("a tail without follow has a channel")
		}
		if got := messages(lines); !slices.Equal(got, tc.want) {
			t.Errorf("Tail(%+v, %d) = %v, want %v", tc.f, tc.n, got, tc.want)
		}
	}
	if lines, _ := p.Tail(context.Background(), "nobody", Filter{}, 10, false); len(lines) != 0 {
		t.Errorf("an app without lines has %d", len(lines))
	}
}

func TestBufferBound(t *testing.T) {
	p := newLogplex(t, Options{BufferLines: 10})
	for i := range 25 {
		p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: strconv.Itoa(i)})
	}
	if got := messages(backlog(p, "hello")); !slices.Equal(got, numbered("", 15, 24)) {
		t.Errorf("buffer holds %v, want the last 10", got)
	}

	// Huge lines are bounded by size too.
	p = newLogplex(t, Options{BufferLines: 1000, BufferBytes: 1 << 20})
	big := strings.Repeat("x", MaxLineBytes)
	for range 100 {
		p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: big})
	}
	if n := len(backlog(p, "hello")); n >= 16 || n < 10 {
		t.Errorf("buffer of 1 MiB holds %d lines of 64 KiB", n)
	}
}

// A tail's backlog and its followed lines join without a gap or a repeat,
// however the publishers race the subscription.
func TestTailFollowHasNoGapOrRepeat(t *testing.T) {
	const total = 20000
	p := newLogplex(t, Options{BufferLines: total, TailBuffer: total + 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var published sync.WaitGroup
	published.Go(func() {
		for i := range total {
			p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: strconv.Itoa(i)})
		}
	})
	type tail struct {
		backlog []Line
		ch      <-chan Line
	}
	var tails []tail
	for range 20 {
		b, ch := p.Tail(ctx, "hello", Filter{}, total, true)
		tails = append(tails, tail{b, ch})
		time.Sleep(time.Millisecond)
	}
	published.Wait()
	for i, tl := range tails {
		got := messages(tl.backlog)
		got = append(got, messages(receive(t, tl.ch, total-len(tl.backlog)))...)
		if !slices.Equal(got, numbered("", 0, total-1)) {
			t.Fatalf("tail %d (backlog %d) does not hold every line once, in order", i, len(tl.backlog))
		}
		select {
		case l := <-tl.ch:
			t.Fatalf("tail %d has an extra line %q", i, l.Message)
		default:
		}
	}
}

// A reader that never reads holds up neither the publisher nor another
// reader, and learns exactly how many lines it lost, and since when.
func TestStuckReaderNeverBlocksAndCountsDrops(t *testing.T) {
	const buffer = 10
	p := newLogplex(t, Options{TailBuffer: buffer})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, stuck := p.Tail(ctx, "hello", Filter{}, 0, true)
	_, filtered := p.Tail(ctx, "hello", Filter{Process: "worker"}, 0, true)
	_, live := p.Tail(ctx, "hello", Filter{}, 0, true)

	// The reader that keeps reading may lose lines to the fast publisher
	// too, but every loss is accounted for.
	var liveGot, liveLost int
	var reading sync.WaitGroup
	reading.Go(func() {
		next := 0
		for l := range live {
			if n, ok := droppedCount(l); ok {
				liveLost += n
				continue
			}
			if l.Message == "end" {
				return
			}
			i, _ := strconv.Atoi(l.Message)
			if i < next {
				t.Errorf("the reader that keeps up got %d after %d", i, next-1)
			}
			next = i + 1
			liveGot++
		}
	})
	done := make(chan struct{})
	go func() {
		for i := range 1000 {
			p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: strconv.Itoa(i)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a reader that does not read")
	}
	waitFor(t, "the reader to catch up", func() bool { return len(live) == 0 })
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "end"})
	reading.Wait()
	if liveGot+liveLost != 1000 {
		t.Errorf("the reader that keeps up got %d lines and was told of %d lost: want 1000 in all", liveGot, liveLost)
	}

	first := receive(t, stuck, buffer)
	if got := messages(first); !slices.Equal(got, numbered("", 0, buffer-1)) {
		t.Errorf("the stuck reader's buffered lines are %v", got)
	}
	all := backlog(p, "hello")
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "after"})
	// It lost the lines from the 11th to the 1000th, and "end".
	next := receive(t, stuck, 2)
	want := fmt.Sprintf("Error L10 (output buffer overflow): %d messages dropped since %s",
		1000-buffer+1, all[buffer].Time.Format(timeFormat))
	if next[0].Message != want || next[0].Source != SourcePaas || next[0].Process != "logplex" {
		t.Errorf("after the drops came %q, want paas[logplex]: %q", next[0].String(), want)
	}
	if next[1].Message != "after" {
		t.Errorf("after the overflow line came %q, want the new line", next[1].Message)
	}

	// Lines its filter excludes are neither delivered nor counted.
	select {
	case l := <-filtered:
		t.Errorf("a reader of worker lines got %q", l.String())
	default:
	}
}

// droppedCount reads an overflow line.
func droppedCount(l Line) (int, bool) {
	rest, ok := strings.CutPrefix(l.Message, "Error L10 (output buffer overflow): ")
	if !ok || l.Process != "logplex" {
		return 0, false
	}
	n, err := strconv.Atoi(strings.Fields(rest)[0])
	return n, err == nil
}

func TestTailEndsWithItsContext(t *testing.T) {
	p := newLogplex(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	_, ch := p.Tail(ctx, "hello", Filter{}, 10, true)
	cancel()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("got a line, want the channel closed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the channel stays open after its context ended")
	}
	p.Publish(Line{App: "hello", Source: SourceApp, Message: "after"}) // must not panic

	// A context that has ended already closes the channel, too.
	_, ch = p.Tail(ctx, "hello", Filter{}, 10, true)
	receiveClosed(t, ch)
}

func receiveClosed(t *testing.T, ch <-chan Line) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("the channel stays open")
		}
	}
}

func TestEndTailsAndClose(t *testing.T) {
	p := newLogplex(t, Options{})
	_, ch := p.Tail(context.Background(), "hello", Filter{}, 0, true)
	p.EndTails()
	receiveClosed(t, ch)
	p.Publish(Line{App: "hello", Source: SourceApp, Message: "collection goes on"})
	if n := len(backlog(p, "hello")); n != 1 {
		t.Errorf("after EndTails the app has %d lines, want 1", n)
	}

	_, ch = p.Tail(context.Background(), "hello", Filter{}, 0, true)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	receiveClosed(t, ch)
	p.Publish(Line{App: "hello", Source: SourceApp, Message: "after close"}) // dropped, no panic
	_, ch = p.Tail(context.Background(), "hello", Filter{}, 0, true)
	receiveClosed(t, ch)
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	p, err := New(Options{Dir: dir, BufferLines: 100, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 150 {
		p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "line " + strconv.Itoa(i)})
	}
	p.Platform("hello", "release", `Release v2 created: "quoted" <b> ünïcode`)
	p.RouterLine("other", "at=info")
	before := backlog(p, "hello")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	p = newLogplex(t, Options{Dir: dir, BufferLines: 100})
	after := backlog(p, "hello")
	if len(after) != 100 {
		t.Fatalf("after a restart the app has %d lines, want 100", len(after))
	}
	for i := range after {
		if after[i] != before[i] || !after[i].Time.Equal(before[i].Time) {
			t.Fatalf("line %d came back as %+v, was %+v", i, after[i], before[i])
		}
	}
	if got := backlog(p, "other"); len(got) != 1 || got[0].String() == "" || got[0].Source != SourceRouter {
		t.Errorf("the other app came back as %v", got)
	}
	// Lines go on after the loaded ones.
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "new"})
	if got := backlog(p, "hello"); got[len(got)-1].Message != "new" || len(got) != 100 {
		t.Errorf("after a new line: %d lines, last %q", len(got), got[len(got)-1].Message)
	}
}

func TestSpoolIsCompacted(t *testing.T) {
	dir := t.TempDir()
	p := newLogplex(t, Options{Dir: dir, BufferLines: 10})
	for i := range 1000 {
		p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: strconv.Itoa(i)})
		if n := countRecords(t, filepath.Join(dir, "hello.log")); n > 2*10+1 {
			t.Fatalf("after %d lines the spool has %d records", i+1, n)
		}
	}
	_ = p.Close()
	p = newLogplex(t, Options{Dir: dir, BufferLines: 10})
	if got := messages(backlog(p, "hello")); !slices.Equal(got, numbered("", 990, 999)) {
		t.Errorf("after compactions and a restart the app holds %v", got)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(matches) > 0 {
		t.Errorf("compaction left %v", matches)
	}
}

func countRecords(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "\n")
}

// A crash can leave a record cut short at the end of a spool, or a stray
// compaction file; neither keeps the history from loading.
func TestSpoolSurvivesATornRecord(t *testing.T) {
	dir := t.TempDir()
	p := newLogplex(t, Options{Dir: dir})
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "one"})
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "two"})
	_ = p.Close()
	path := filepath.Join(dir, "hello.log")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"time":"2026-11-26T09:00:00Z","source":"app","mess`)
	_ = f.Close()
	_ = os.WriteFile(path+".tmp", []byte("half a compaction"), 0o600)
	_ = os.WriteFile(filepath.Join(dir, "README"), []byte("not a spool"), 0o600)

	p = newLogplex(t, Options{Dir: dir})
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "three"})
	_ = p.Close()
	p = newLogplex(t, Options{Dir: dir})
	if got := messages(backlog(p, "hello")); !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Errorf("history is %v", got)
	}
}

func TestSpoolFileNames(t *testing.T) {
	for _, app := range []string{"hello", "my-app2", "../etc/passwd", ".hidden", "UPPER", "a/b", strings.Repeat("x", 200)} {
		name := spoolFile(app)
		if strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
			t.Errorf("app %q spools to %q", app, name)
		}
		if back, ok := appFromSpoolFile(name); !ok || back != app {
			t.Errorf("spool %q reads back as app %q, %v", name, back, ok)
		}
	}
	for _, name := range []string{"README", "hello.log.tmp", "_zz.log", ".log"} {
		if app, ok := appFromSpoolFile(name); ok {
			t.Errorf("file %q taken for app %q", name, app)
		}
	}
}

func TestForget(t *testing.T) {
	dir := t.TempDir()
	docker := newFakeDocker()
	p := newLogplex(t, Options{Dir: dir, Docker: docker})
	docker.write("c1", false, "from the container\n")
	p.ProcessStarted("hello", "web.1", "c1")
	p.Platform("hello", "api", "app created")
	p.Platform("other", "api", "app created")
	waitFor(t, "the container's line", func() bool { return len(backlog(p, "hello")) == 2 })
	_, ch := p.Tail(context.Background(), "hello", Filter{}, 0, true)

	p.Forget("hello")
	receiveClosed(t, ch)
	if n := len(backlog(p, "hello")); n != 0 {
		t.Errorf("a forgotten app has %d lines", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "hello.log")); !os.IsNotExist(err) {
		t.Errorf("the spool of a forgotten app is still there: %v", err)
	}
	waitFor(t, "the collector to stop", func() bool {
		p.mu.RLock()
		defer p.mu.RUnlock()
		return len(p.following) == 0
	})
	docker.write("c1", false, "late\n")
	time.Sleep(50 * time.Millisecond)
	if n := len(backlog(p, "hello")); n != 0 {
		t.Errorf("a forgotten app's container still adds lines: %d", n)
	}
	_ = p.Close()
	p = newLogplex(t, Options{Dir: dir})
	if n := len(backlog(p, "hello")); n != 0 {
		t.Errorf("a forgotten app has %d lines after a restart", n)
	}
	if n := len(backlog(p, "other")); n != 1 {
		t.Errorf("Forget took another app's lines: %d left", n)
	}
}

func BenchmarkPublish(b *testing.B) {
	p, err := New(Options{Dir: b.TempDir(), Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, ch := p.Tail(ctx, "hello", Filter{}, 0, true)
	go func() {
		for range ch {
		}
	}()
	l := Line{App: "hello", Source: SourceApp, Process: "web.1", Message: `at=info method=GET path="/" status=200 bytes=1234 duration=2ms`}
	b.ReportAllocs()
	for b.Loop() {
		p.Publish(l)
	}
}
