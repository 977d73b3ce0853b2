package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/dockertest"
)

type logLineJSON struct {
	Source  string `json:"source"`
	Process string `json:"process"`
	Message string `json:"message"`
}

func (d *daemon) logLines(app string, args ...string) []logLineJSON {
	d.t.Helper()
	out := d.mustPaasctl("", append([]string{"logs", "-a", app, "--json"}, args...)...)
	var lines []logLineJSON
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var ll logLineJSON
		if err := json.Unmarshal([]byte(l), &ll); err != nil {
			d.t.Fatalf("logs --json line %q: %v", l, err)
		}
		lines = append(lines, ll)
	}
	return lines
}

// TestLogStream: every line of three web processes and a worker, attributed
// and in per-process order; a tail that sees new lines at once; and a paasd
// restart in the middle of a stream that loses and repeats nothing.
func TestLogStream(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	dataDir := t.TempDir()
	d := startDaemon(t, daemonOptions{dataDir: dataDir})
	cleanupDocker(t, cli, d.daemonID())
	app, repo := procfileApp(t, d, base,
		"web: for i in $(seq 1 50); do echo \"line $i of $PAAS_PROCESS\"; done; exec httpd -f -p $PORT -h /www\n"+
			"worker: i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 0.02; done\n")
	d.mustPaasctl(repo.dir, "scale", "web=3", "worker=1")

	waitFor(t, 20*time.Second, "50 lines from each web process", func() bool {
		counts := map[string]int{}
		for _, l := range d.logLines(app, "-n", "10000", "-s", "app", "-p", "web") {
			counts[l.Process]++
		}
		return counts["web.1"] >= 50 && counts["web.2"] >= 50 && counts["web.3"] >= 50
	})
	next := map[string]int{}
	for _, l := range d.logLines(app, "-n", "10000", "-s", "app", "-p", "web") {
		if !strings.HasPrefix(l.Message, "line ") {
			continue
		}
		want := fmt.Sprintf("line %d of %s", next[l.Process]+1, l.Process)
		if l.Message != want {
			t.Fatalf("%s: got %q, want %q (lines lost, repeated or misattributed)", l.Process, l.Message, want)
		}
		next[l.Process]++
	}

	t.Run("tail sees a new line within a second", func(t *testing.T) {
		cmd := exec.Command(filepath.Join(binDir, "paasctl"), "logs", "-t", "-n", "0", "-s", "router", "-a", app)
		cmd.Env = d.env()
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		lines := make(chan string, 100)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// The tail is subscribed once a first request's line reaches it.
		marker := "/tail-" + dockertest.RandomSuffix()
		deadline := time.Now().Add(15 * time.Second)
		for {
			sent := time.Now()
			d.get(app, marker)
			select {
			case l := <-lines:
				if strings.Contains(l, marker) {
					// A bound far above the expected milliseconds: a busy CI
					// machine must not fail it, a tail that batches must.
					if took := time.Since(sent); took > 5*time.Second {
						t.Errorf("router line reached the tail after %s", took)
					}
					return
				}
			case <-time.After(2 * time.Second):
			}
			if time.Now().After(deadline) {
				t.Fatal("no router line reached logs -t")
			}
		}
	})

	t.Run("a paasd restart loses no line", func(t *testing.T) {
		d.stop()
		d2 := startDaemon(t, daemonOptions{dataDir: dataDir})
		// Let the worker write across the restart, then check its ticks.
		var ticks []int
		waitFor(t, 20*time.Second, "ticks written after the restart", func() bool {
			ticks = ticks[:0]
			for _, l := range d2.logLines(app, "-n", "10000", "-p", "worker.1", "-s", "app") {
				n, err := strconv.Atoi(strings.TrimPrefix(l.Message, "tick "))
				if err == nil {
					ticks = append(ticks, n)
				}
			}
			return len(ticks) > 0 && ticks[len(ticks)-1] > 400
		})
		for i, n := range ticks {
			if n != ticks[0]+i {
				t.Fatalf("worker ticks not contiguous at %d: ...%v... (lost or repeated across the restart)", i, ticks[max(0, i-3):min(len(ticks), i+3)])
			}
		}
		if ticks[0] != 1 {
			t.Fatalf("ticks start at %d, want 1", ticks[0])
		}
	})
}
