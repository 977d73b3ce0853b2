package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/paas-dev/paas/internal/logplex"
)

// app is the stream logplex collects into.
const app = "logbench"

// readLogplex measures a Logplex set up as paasd sets it up (a spool
// directory, BufferLines, the Docker client), collecting every container
// through ProcessStarted and read through one following Tail. Its CPU is this
// process's own (getrusage RUSAGE_SELF) over the same window as the wall
// time, so it includes the tail's reader, which only counts.
func readLogplex(ctx context.Context, b *bench, ids []string, live bool) (result, error) {
	res := result{reader: "logplex", want: len(ids) * b.cfg.lines, lag: -1, engine: -1}
	dir, err := os.MkdirTemp(b.cfg.dir, "logbench-spool-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	tailBuffer := b.cfg.tailBuffer
	if tailBuffer <= 0 {
		tailBuffer = res.want + 16
	}
	p, err := logplex.New(logplex.Options{
		Dir:         dir,
		BufferLines: b.cfg.bufferLines,
		TailBuffer:  tailBuffer,
		Docker:      b.cli,
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	if err != nil {
		return res, err
	}
	defer p.Close()

	ph := b.newPhase(ctx, ids, live)
	defer ph.cancel()
	_, ch := p.Tail(ph.ctx, app, logplex.Filter{}, 0, true)
	chk := newChecker(len(ids), b.cfg.lines)
	go ph.watch(&chk.progress)

	if b.cfg.cpuprofile != "" && !b.profiled {
		b.profiled = true
		f, err := os.Create(b.cfg.cpuprofile)
		if err != nil {
			return res, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return res, err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	engine0 := engineCPU()
	cpu0 := selfCPU()
	start := time.Now()
	started := make(chan error, 1)
	go func() {
		err := b.startEach(ph.ctx, ids, live, func(i int, id string) error {
			p.ProcessStarted(app, fmt.Sprintf("web.%d", i+1), id)
			return nil
		})
		if err != nil {
			ph.cancel() // no use waiting for lines
		}
		started <- err
	}()
	var end time.Time
	for l := range ch {
		if l.Source != logplex.SourceApp {
			chk.foreign(l.String()) // a dropped-lines notice, or anything else
			continue
		}
		i, ok := processIndex(l.Process)
		if !ok {
			chk.foreign(l.String())
			continue
		}
		if chk.line(i, l.Message) {
			end = time.Now()
			res.cpu = selfCPU() - cpu0
			res.engine = engineCPU().sub(engine0)
			break
		}
	}
	ph.cancel() // ends the tail, the watchdog and, if it stalled, the starts
	if err := <-started; err != nil && ctx.Err() == nil {
		return res, err
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if end.IsZero() {
		// Stalled or timed out: measured up to the last line (to 0.1 s),
		// without the wait for more.
		end = ph.lastProgress()
		res.cpu = selfCPU() - cpu0
	}
	return ph.finish(res, chk, start, end), nil
}

// readDockerLogs measures `docker logs -f ID`, one process per container,
// started as soon as its container has started. Its CPU is the children's
// own (user+system from wait4), which leaves out this process's reading of
// their pipes; that is reported apart.
func readDockerLogs(ctx context.Context, b *bench, ids []string, live bool) (result, error) {
	res := result{reader: "docker-logs", want: len(ids) * b.cfg.lines, lag: -1, engine: -1}
	ph := b.newPhase(ctx, ids, live)
	defer ph.cancel()
	chk := newChecker(len(ids), b.cfg.lines)
	go ph.watch(&chk.progress)

	cmds := make([]*exec.Cmd, len(ids))
	var readers sync.WaitGroup
	var endMu sync.Mutex
	var end time.Time
	var engineEnd engineTime
	var selfEnd time.Duration
	var stderrMu sync.Mutex
	var stderrText strings.Builder

	engine0 := engineCPU()
	self0 := selfCPU()
	start := time.Now()
	err := b.startEach(ph.ctx, ids, live, func(i int, id string) error {
		cmd := exec.CommandContext(ph.ctx, "docker", "logs", "-f", id)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("docker logs: %w", err)
		}
		cmds[i] = cmd
		readers.Add(2)
		go func() {
			defer readers.Done()
			sc := bufio.NewScanner(stdout)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				if chk.line(i, sc.Text()) {
					endMu.Lock()
					end = time.Now()
					engineEnd = engineCPU()
					selfEnd = selfCPU()
					endMu.Unlock()
				}
			}
			if err := sc.Err(); err != nil {
				chk.foreign(fmt.Sprintf("reading docker logs: %v", err))
			}
			_, _ = io.Copy(io.Discard, stdout)
		}()
		go func() {
			defer readers.Done()
			sc := bufio.NewScanner(stderr)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				chk.foreign(sc.Text())
				stderrMu.Lock()
				if stderrText.Len() < 1000 {
					fmt.Fprintf(&stderrText, "%.12s: %s\n", id, sc.Text())
				}
				stderrMu.Unlock()
			}
			_, _ = io.Copy(io.Discard, stderr)
		}()
		return nil
	})
	if err != nil {
		ph.cancel() // kills the docker logs processes that did start
	}
	// Wait only once the pipes are read to their end (the processes exit
	// when their containers' output ends, or are killed on a stall).
	readers.Wait()
	for _, cmd := range cmds {
		if cmd == nil {
			continue
		}
		// Killed on a stall or a timeout, its CPU counts all the same.
		if err := cmd.Wait(); err != nil && ph.ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "logbench: %s: %v\n", cmd, err)
		}
		res.cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil && ctx.Err() == nil {
		return res, err
	}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if stderrText.Len() > 0 {
		fmt.Fprintf(os.Stderr, "logbench: docker logs wrote to stderr:\n%s", stderrText.String())
	}
	endMu.Lock()
	if end.IsZero() {
		// Incomplete: up to the last line, as for logplex.
		end, engineEnd, selfEnd = ph.lastProgress(), engineCPU(), selfCPU()
	}
	endMu.Unlock()
	res.engine = engineEnd.sub(engine0)
	res.bench = selfEnd - self0
	return ph.finish(res, chk, start, end), nil
}

// afterExit is how long a reader may go without a line once every container
// has exited before the rest counts as lost.
const afterExit = 5 * time.Second

// phase is one reader's measurement: its deadline, its containers' exits and
// its progress.
type phase struct {
	b      *bench
	ids    []string
	ctx    context.Context // ends on timeout, on a stall, or with cancel
	cancel context.CancelFunc
	exited <-chan struct{}  // closed once every container has exited
	exit   func() time.Time // waits for that, and returns when; zero: unknown

	mu   sync.Mutex
	last time.Time // when progress last moved (to 0.1 s)
}

// newPhase must be called before the containers start, if live.
func (b *bench) newPhase(ctx context.Context, ids []string, live bool) *phase {
	ph := &phase{b: b, ids: ids, last: time.Now()}
	ph.ctx, ph.cancel = context.WithTimeout(ctx, b.cfg.timeout)
	if live {
		// Not ph.ctx: the containers may exit after the last line is read.
		ph.exited, ph.exit = b.watchExits(ctx, ids)
	} else {
		done := make(chan struct{})
		close(done)
		ph.exited, ph.exit = done, func() time.Time { return time.Time{} }
	}
	return ph
}

// watch cancels the phase when progress stops moving: for cfg.stall, or for
// afterExit once every container has exited (what has not come then is lost).
func (ph *phase) watch(progress *atomic.Int64) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	n := progress.Load()
	exited := ph.exited
	var exitedAt time.Time
	for {
		select {
		case <-ph.ctx.Done():
			return
		case <-exited:
			exited, exitedAt = nil, time.Now()
		case now := <-tick.C:
			ph.mu.Lock()
			if m := progress.Load(); m != n {
				n, ph.last = m, now
			}
			idle := now.Sub(ph.last)
			ph.mu.Unlock()
			stall := ph.b.cfg.stall
			if !exitedAt.IsZero() {
				stall = min(stall, afterExit)
				idle = min(idle, now.Sub(exitedAt))
			}
			if idle >= stall {
				fmt.Fprintf(os.Stderr, "logbench: no line for %s: the rest counts as lost\n", idle.Round(time.Second))
				ph.cancel()
				return
			}
		}
	}
}

func (ph *phase) lastProgress() time.Time {
	ph.mu.Lock()
	defer ph.mu.Unlock()
	return ph.last
}

// finish fills in what both readers measure alike, and says what was lost.
func (ph *phase) finish(res result, chk *checker, start, end time.Time) result {
	res.wall = max(end.Sub(start), time.Millisecond)
	res.lines, res.check = chk.summary()
	for _, i := range chk.incomplete() {
		fmt.Fprintf(os.Stderr, "logbench: %s lost lines of container c%d: %s\n", res.reader, i, chk.gaps(i))
		// Was it the reading, or did the engine never have them?
		if n, err := ph.b.engineLines(ph.ids[i]); err != nil {
			fmt.Fprintf(os.Stderr, "logbench: read c%d's log again: %v\n", i, err)
		} else {
			fmt.Fprintf(os.Stderr, "logbench: the engine holds %d of c%d's %d lines (read again, not following)\n", n, i, ph.b.cfg.lines)
		}
	}
	if last := ph.exit(); !last.IsZero() {
		res.lag = max(end.Sub(last), 0)
	}
	return res
}

// processIndex reads web.<i+1>.
func processIndex(process string) (int, bool) {
	n, ok := strings.CutPrefix(process, "web.")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i - 1, err == nil
}

// checker follows each container's line numbers: every line once, in order.
// Each container's lines must come from one goroutine at a time.
type checker struct {
	lines    int
	progress atomic.Int64 // lines read, for the watchdog
	left     atomic.Int64 // distinct lines still to come

	conts []contCheck

	mu         sync.Mutex
	foreigners int
	firstOdd   string
}

type contCheck struct {
	seen      []bool
	last      int
	distinct  int
	repeated  int
	disorder  int
	malformed int
}

func newChecker(containers, lines int) *checker {
	c := &checker{lines: lines, conts: make([]contCheck, containers)}
	for i := range c.conts {
		c.conts[i].seen = make([]bool, lines+1)
	}
	c.left.Store(int64(containers * lines))
	return c
}

// line checks message, read as container i's; it returns true for the line
// that completes all containers (to one caller, once).
func (c *checker) line(i int, message string) bool {
	c.progress.Add(1)
	if i < 0 || i >= len(c.conts) {
		c.foreign(message)
		return false
	}
	k := &c.conts[i]
	n, ok := lineNumber(i, message)
	if !ok || n < 1 || n > c.lines {
		k.malformed++
		c.odd(message)
		return false
	}
	if k.seen[n] {
		k.repeated++
		return false
	}
	k.seen[n] = true
	if n < k.last {
		k.disorder++
	}
	k.last = n
	k.distinct++
	return c.left.Add(-1) == 0
}

func (c *checker) foreign(text string) {
	c.mu.Lock()
	c.foreigners++
	c.mu.Unlock()
	c.odd(text)
}

func (c *checker) odd(text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.firstOdd == "" {
		c.firstOdd = text
		fmt.Fprintf(os.Stderr, "logbench: unexpected line: %.200q\n", text)
	}
}

// lineNumber reads "c<i> <n>[ padding]".
func lineNumber(i int, message string) (int, bool) {
	head, rest, ok := strings.Cut(message, " ")
	if !ok || head != "c"+strconv.Itoa(i) {
		return 0, false
	}
	num, _, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(num)
	return n, err == nil
}

// checkSummary counts what went wrong besides lost lines.
type checkSummary struct {
	repeated, disorder, malformed, foreign int
}

func (s checkSummary) ok() bool { return s == checkSummary{} }

func (s checkSummary) String() string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{s.repeated, "repeated"}, {s.disorder, "out of order"}, {s.malformed, "malformed"}, {s.foreign, "other lines"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ")
}

// incomplete lists the containers with lines missing: for after the
// reading.
func (c *checker) incomplete() []int {
	var out []int
	for i, k := range c.conts {
		if k.distinct < c.lines {
			out = append(out, i)
		}
	}
	return out
}

// gaps describes which of container i's lines are missing.
func (c *checker) gaps(i int) string {
	k := &c.conts[i]
	var ranges []string
	for n := 1; n <= c.lines; n++ {
		if k.seen[n] {
			continue
		}
		if len(ranges) == 5 {
			ranges = append(ranges, "...")
			break
		}
		m := n
		for m < c.lines && !k.seen[m+1] {
			m++
		}
		ranges = append(ranges, fmt.Sprintf("%d-%d", n, m))
		n = m
	}
	return fmt.Sprintf("%d missing (%s)", c.lines-k.distinct, strings.Join(ranges, " "))
}

// summary is meant for after the reading.
func (c *checker) summary() (distinct int, s checkSummary) {
	for _, k := range c.conts {
		distinct += k.distinct
		s.repeated += k.repeated
		s.disorder += k.disorder
		s.malformed += k.malformed
	}
	c.mu.Lock()
	s.foreign = c.foreigners
	c.mu.Unlock()
	return distinct, s
}

// selfCPU is this process's CPU time so far, user+system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// engineTime is dockerd's CPU time so far, if it can be read (Linux, the
// engine on this machine and its /proc entry readable).
type engineTime struct {
	cpu time.Duration
	ok  bool
}

func (t engineTime) sub(t0 engineTime) time.Duration {
	if !t.ok || !t0.ok {
		return -1
	}
	return t.cpu - t0.cpu
}

var dockerdPID = sync.OnceValue(func() string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err == nil && strings.TrimSpace(string(comm)) == "dockerd" {
			return e.Name()
		}
	}
	return ""
})

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

func engineCPU() engineTime {
	pid := dockerdPID()
	if pid == "" {
		return engineTime{}
	}
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return engineTime{}
	}
	// Fields after the command, which is in parentheses: state is field 3,
	// utime 14, stime 15.
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return engineTime{}
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return engineTime{}
	}
	return engineTime{cpu: time.Duration(utime+stime) * time.Second / clockTicks, ok: true}
}
