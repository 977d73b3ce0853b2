package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/paas-dev/paas/internal/router"
)

type swapOptions struct {
	backendBin string
	size       int
	count      int
	every      time.Duration
}

// drainTimeout bounds each Drain; a tiny backend answers in microseconds, so
// reaching it means a request was lost track of.
const drainTimeout = 30 * time.Second

// swapper cuts an app over from one set of backend processes to a new one,
// as the runner does on deploy: start the new set, SetBackends, Drain the
// old addresses, and only then stop the old processes. The old ones are
// stopped for real, so a request Drain did not wait for fails and shows up
// as an error in the load generator's count.
type swapper struct {
	opts    swapOptions
	router  *router.Router
	app     string
	current []*exec.Cmd
}

func newSwapper(o swapOptions, r *router.Router, app string) (*swapper, error) {
	if o.size < 1 || o.count < 1 || o.every <= 0 {
		return nil, errors.New("swap mode needs -swap-size, -swaps and -swap-every above zero")
	}
	s := &swapper{opts: o, router: r, app: app}
	set, addrs, err := s.startSet()
	if err != nil {
		return nil, err
	}
	s.current = set
	r.SetBackends(app, addrs)
	return s, nil
}

// run does the cut-overs and returns the one-line summary the bench script
// parses: "swaps=20 failed=0 drain_max=1.2ms start_max=8ms".
func (s *swapper) run(ctx context.Context) string {
	var (
		done, failed       int
		drainMax, startMax time.Duration
		firstErr           error
	)
	tick := time.NewTicker(s.opts.every)
	defer tick.Stop()
	for done+failed < s.opts.count {
		select {
		case <-ctx.Done():
			return fmt.Sprintf("swaps=%d failed=%d interrupted", done, failed)
		case <-tick.C:
		}
		started, drained, err := s.swap()
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		done++
		startMax, drainMax = max(startMax, started), max(drainMax, drained)
	}
	line := fmt.Sprintf("swaps=%d failed=%d drain_max=%s start_max=%s", done, failed, drainMax, startMax)
	if firstErr != nil {
		line += fmt.Sprintf(" first_error=%q", firstErr.Error())
	}
	return line
}

// swap does one cut-over and reports how long the new set took to start and
// the old one to drain.
func (s *swapper) swap() (started, drained time.Duration, err error) {
	t0 := time.Now()
	set, addrs, err := s.startSet()
	if err != nil {
		return 0, 0, err
	}
	old := s.current
	oldAddrs := s.router.Backends(s.app)
	t1 := time.Now()
	s.router.SetBackends(s.app, addrs)
	s.current = set

	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	err = s.router.Drain(ctx, s.app, oldAddrs)
	t2 := time.Now()
	stopAll(old) // even after a failed Drain: the next swap must start clean
	if err != nil {
		return 0, 0, err
	}
	return t1.Sub(t0), t2.Sub(t1), nil
}

// startSet starts a set of backend processes and returns them with the
// addresses they listen on.
func (s *swapper) startSet() ([]*exec.Cmd, []string, error) {
	var (
		set   []*exec.Cmd
		addrs []string
	)
	for range s.opts.size {
		cmd, addr, err := startBackend(s.opts.backendBin)
		if err != nil {
			stopAll(set)
			return nil, nil, err
		}
		set = append(set, cmd)
		addrs = append(addrs, addr)
	}
	return set, addrs, nil
}

// close stops the backends serving now.
func (s *swapper) close() {
	stopAll(s.current)
	s.current = nil
}

// startBackend starts one backend on a free port and waits for the address
// it prints once it listens.
func startBackend(bin string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	// A backend must not outlive this program, even if it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start backend %s: %w", bin, err)
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stopAll([]*exec.Cmd{cmd})
		return nil, "", fmt.Errorf("backend %s printed no address: %w", bin, err)
	}
	return cmd, strings.TrimSpace(addr), nil
}

// stopAll stops backends at once, as SIGKILL would after the drain: nothing
// should be in flight to them any more.
func stopAll(set []*exec.Cmd) {
	for _, cmd := range set {
		cmd.Process.Kill()
	}
	for _, cmd := range set {
		cmd.Wait()
	}
}
