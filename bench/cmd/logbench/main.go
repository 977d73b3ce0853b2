// Command logbench measures paasd's log collection (internal/logplex): how
// many lines per second it collects from N containers, with no line lost, and
// how much CPU that costs, against `docker logs -f` reading the same kind of
// containers. bench/logs.sh runs it; bench/README.md says how to read it.
//
// Each container runs `seq 1 M | sed ...` on a busybox image imported from
// the host's busybox (no registry), so it writes M numbered lines
// ("c<container> <n> <padding>") to stdout as fast as the engine takes them.
// Each reader must return every line of every container exactly once, in
// per-container order.
//
// By default (-mode live) every reader gets fresh containers and follows them
// from their start while they write, as paasd does. With -mode finished, one
// set of containers writes everything first and both readers then read the
// same stopped containers: the pure read speed.
//
// CPU is given as milliseconds per 10,000 lines, which is also milliseconds
// of one core per second at a steady 10k lines/s. logplex's is this process's
// own (getrusage), docker logs' that of its processes (wait4); neither holds
// the engine's, shown apart as dockerd's.
//
// The exit status is 1 if logplex lost, repeated or disordered a line; the
// baseline's losses are reported but fail nothing. For each container with
// lines missing, the engine's log is read again without following, to tell
// lines the engine never had from lines its follow stream did not send.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/client"
)

type config struct {
	containers  int
	lines       int
	width       int
	mode        string
	rounds      int
	bufferLines int
	tailBuffer  int
	dir         string
	timeout     time.Duration
	stall       time.Duration
	out         string
	cpuprofile  string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.containers, "containers", 4, "containers written and read at once (N)")
	flag.IntVar(&cfg.lines, "lines", 50000, "lines each container writes (M)")
	flag.IntVar(&cfg.width, "width", 100, "bytes per line, newline not counted (the lines with the most digits; shorter numbers make shorter lines); 0: no padding")
	flag.StringVar(&cfg.mode, "mode", "live", "live: fresh containers per reader, followed while they write; finished: read the same stopped containers")
	flag.IntVar(&cfg.rounds, "rounds", 3, "times each reader is measured (the order alternates)")
	flag.IntVar(&cfg.bufferLines, "buffer", 10000, "logplex BufferLines, as paasd's PAAS_LOG_LINES")
	flag.IntVar(&cfg.tailBuffer, "tail-buffer", 0, "logplex TailBuffer of the bench's own tail; 0: every line (the tail never drops, so only collection is measured)")
	flag.StringVar(&cfg.dir, "dir", "", "where logplex's spool goes (a fresh directory inside it); empty: the system temp dir")
	flag.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "longest a reader may take")
	flag.DurationVar(&cfg.stall, "stall", 30*time.Second, "a reader that gets no line for this long has lost the rest")
	flag.StringVar(&cfg.out, "out", "", "also write the table to this file")
	flag.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a CPU profile of the (first) logplex measurement to this file")
	flag.Parse()
	if err := cfg.check(); err != nil {
		fmt.Fprintln(os.Stderr, "logbench:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	clean, err := run(ctx, cfg)
	interrupted := ctx.Err() != nil // before stop, which ends ctx too
	stop()
	if err != nil && interrupted {
		fmt.Fprintln(os.Stderr, "logbench: interrupted; its containers and image are removed")
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "logbench:", err)
		os.Exit(1)
	}
	if !clean {
		fmt.Fprintln(os.Stderr, "logbench: logplex lost, repeated or disordered lines (see the table)")
		os.Exit(1)
	}
}

func (c config) check() error {
	switch {
	case c.containers < 1:
		return errors.New("-containers must be at least 1")
	case c.lines < 1:
		return errors.New("-lines must be at least 1")
	case c.width < 0:
		return errors.New("-width must not be negative")
	case c.mode != "live" && c.mode != "finished":
		return fmt.Errorf("-mode is live or finished, not %q", c.mode)
	case c.rounds < 1:
		return errors.New("-rounds must be at least 1")
	case c.timeout <= 0 || c.stall <= 0:
		return errors.New("-timeout and -stall must be positive")
	}
	return nil
}

// run measures both readers cfg.rounds times and prints the table. clean is
// false if logplex lost, repeated or disordered a line.
func run(ctx context.Context, cfg config) (clean bool, err error) {
	if _, err := exec.LookPath("docker"); err != nil {
		return false, fmt.Errorf("the docker CLI is needed for the baseline: %w", err)
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return false, fmt.Errorf("docker client: %w", err)
	}
	defer cli.Close()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, err = cli.Ping(pctx)
	cancel()
	if err != nil {
		return false, fmt.Errorf("docker engine not reachable: %w", err)
	}
	ver, err := cli.ServerVersion(ctx)
	if err != nil {
		return false, fmt.Errorf("docker engine version: %w", err)
	}

	b := newBench(cli, cfg)
	// Whatever happens, including an interrupt: the containers and the
	// image go.
	defer b.cleanup()
	if err := b.importImage(ctx); err != nil {
		return false, err
	}
	// The image's first container is slower to start: not in a measurement.
	if err := b.warmUp(ctx); err != nil {
		return false, err
	}

	var results []result
	for round := 1; round <= cfg.rounds; round++ {
		readers := []reader{{"logplex", readLogplex}, {"docker-logs", readDockerLogs}}
		if round%2 == 0 {
			readers[0], readers[1] = readers[1], readers[0]
		}
		var shared []string // -mode finished: one set for both readers
		if cfg.mode == "finished" {
			if shared, err = b.writeAll(ctx, fmt.Sprintf("r%d", round)); err != nil {
				return false, err
			}
		}
		for _, rd := range readers {
			ids := shared
			if ids == nil {
				if ids, err = b.createContainers(ctx, fmt.Sprintf("r%d-%s", round, rd.name)); err != nil {
					return false, err
				}
			}
			r, err := rd.read(ctx, b, ids, shared == nil)
			if err != nil {
				return false, err
			}
			r.round = round
			fmt.Fprintf(os.Stderr, "logbench: round %d: %s: %d lines in %.2f s, CPU %.0f ms\n",
				round, r.reader, r.lines, r.wall.Seconds(), ms(r.cpu))
			results = append(results, r)
			if shared == nil {
				b.removeContainers(ids)
			}
		}
		if shared != nil {
			b.removeContainers(shared)
		}
	}

	table := formatTable(cfg, ver.Version, results)
	fmt.Print(table)
	if cfg.out != "" {
		if err := os.WriteFile(cfg.out, []byte(table), 0o644); err != nil {
			return false, fmt.Errorf("write %s: %w", cfg.out, err)
		}
	}
	// What is under test is logplex; the baseline's losses are reported
	// (they are the engine's) but fail nothing.
	clean = true
	for _, r := range results {
		if r.reader == "logplex" {
			clean = clean && r.clean()
		}
	}
	return clean, nil
}

// reader is one way of reading containers' output. read measures it: live is
// true if the containers are created but not started (read starts them, and
// times from there), false if they have finished already.
type reader struct {
	name string
	read func(ctx context.Context, b *bench, ids []string, live bool) (result, error)
}

// result is one reader's measurement.
type result struct {
	reader string
	round  int
	want   int // lines written
	lines  int // distinct lines read
	check  checkSummary
	wall   time.Duration // first start (or first read) to last line
	lag    time.Duration // last container's exit to last line; -1: not measured
	cpu    time.Duration // the reader's CPU, user+system
	engine time.Duration // dockerd's CPU meanwhile; -1: unknown
	bench  time.Duration // the bench process's own CPU, for docker logs (reading the pipes)
}

func (r result) clean() bool { return r.lines == r.want && r.check.ok() }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// perTenK is CPU milliseconds per 10,000 lines.
func perTenK(cpu time.Duration, lines int) float64 {
	if lines == 0 {
		return 0
	}
	return ms(cpu) * 10000 / float64(lines)
}

// row is one line of the table; negative numbers are shown as n/a.
type row struct {
	name        string
	lines, loss string
	wall, rate  float64
	cpu, ratio  float64
	lag, engine float64
}

func (r result) row(name string) row {
	out := row{name: name, lines: fmt.Sprint(r.lines), loss: fmt.Sprint(r.want - r.lines),
		wall: r.wall.Seconds(), cpu: perTenK(r.cpu, r.lines), ratio: -1, lag: -1, engine: -1}
	if !r.check.ok() {
		out.loss += " (" + r.check.String() + ")"
	}
	if r.wall > 0 {
		out.rate = float64(r.lines) / r.wall.Seconds()
	}
	if r.lag >= 0 {
		out.lag = r.lag.Seconds()
	}
	if r.engine >= 0 {
		out.engine = perTenK(r.engine, r.lines)
	}
	return out
}

func formatTable(cfg config, engine string, results []result) string {
	w := &tableWriter{}
	w.printf("logbench: %d containers x %d %s, mode %s, Docker Engine %s, %d CPUs, %s\n\n",
		cfg.containers, cfg.lines, widthText(cfg.width), cfg.mode, engine, runtime.NumCPU(), time.Now().UTC().Format("2006-01-02"))
	w.printf("| reader | lines | loss | wall s | lines/s | CPU ms per 10k lines | CPU ratio logplex/docker-logs | lag s | dockerd CPU ms per 10k lines |\n")
	w.printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var rows []row
	for _, r := range results {
		name := r.reader
		if cfg.rounds > 1 {
			name = fmt.Sprintf("%s (round %d)", name, r.round)
		}
		rw := r.row(name)
		for _, o := range results {
			if r.reader == "logplex" && o.reader != "logplex" && o.round == r.round && o.cpu > 0 && r.lines > 0 && o.lines > 0 {
				rw.ratio = perTenK(r.cpu, r.lines) / perTenK(o.cpu, o.lines)
			}
		}
		if r.reader != "logplex" {
			rw.ratio = 1
		}
		rows = append(rows, rw)
	}
	if cfg.rounds > 1 {
		// Medians of the rounds in which the reader lost nothing.
		medians := map[string]row{}
		for _, name := range []string{"logplex", "docker-logs"} {
			var clean []result
			lost := 0
			for _, r := range results {
				if r.reader == name {
					lost += r.want - r.lines
					if r.clean() {
						clean = append(clean, r)
					}
				}
			}
			m := row{name: fmt.Sprintf("**%s, median of %d clean rounds**", name, len(clean)),
				lines: "", loss: fmt.Sprint(lost), ratio: -1}
			m.wall = median(clean, func(r result) float64 { return r.wall.Seconds() })
			m.rate = median(clean, func(r result) float64 { return float64(r.lines) / r.wall.Seconds() })
			m.cpu = median(clean, func(r result) float64 { return perTenK(r.cpu, r.lines) })
			m.lag = median(clean, func(r result) float64 { return r.lag.Seconds() })
			m.engine = median(clean, func(r result) float64 {
				if r.engine < 0 {
					return -1
				}
				return perTenK(r.engine, r.lines)
			})
			medians[name] = m
		}
		lp, dl := medians["logplex"], medians["docker-logs"]
		if lp.cpu > 0 && dl.cpu > 0 {
			lp.ratio = lp.cpu / dl.cpu
		}
		if dl.cpu > 0 {
			dl.ratio = 1
		}
		rows = append(rows, lp, dl)
	}
	for _, r := range rows {
		w.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.name, r.lines, r.loss,
			num(r.wall, 2), num(r.rate, 0), num(r.cpu, 1), num(r.ratio, 2), num(r.lag, 2), num(r.engine, 0))
	}
	var own []string
	for _, r := range results {
		if r.reader == "docker-logs" && r.lines > 0 {
			own = append(own, fmt.Sprintf("%.1f", perTenK(r.bench, r.lines)))
		}
	}
	w.printf("\nNot in the table: reading docker logs' output from its pipes cost this bench %s CPU ms per 10k lines.\n",
		strings.Join(own, ", "))
	return w.String()
}

// median of f over rs, ignoring negative values; -1 if there are none.
func median(rs []result, f func(result) float64) float64 {
	var v []float64
	for _, r := range rs {
		if x := f(r); x >= 0 {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return -1
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func num(x float64, decimals int) string {
	if x < 0 {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'f', decimals, 64)
}

func widthText(width int) string {
	if width == 0 {
		return "unpadded lines"
	}
	return fmt.Sprintf("lines of %d bytes", width)
}

type tableWriter struct{ strings.Builder }

func (w *tableWriter) printf(format string, args ...any) { fmt.Fprintf(&w.Builder, format, args...) }
