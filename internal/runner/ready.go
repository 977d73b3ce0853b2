package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// Boot failures, for errors.Is; the returned errors add which process, how,
// and its last output.
var (
	ErrExited       = errors.New("exited")
	ErrNotListening = errors.New("not listening on $PORT")
	ErrUnhealthy    = errors.New("failed its health check")
)

const (
	// pollInterval paces the readiness checks: short, since every check a
	// deploy waits for is time the user watches.
	pollInterval = 50 * time.Millisecond
	// probeTimeout bounds one check. A bridge address answers a SYN at once
	// (accept or refuse); only an unreachable network takes this long.
	probeTimeout = 500 * time.Millisecond
	// healthTimeout bounds one health check request: the app's own code
	// answers it, and that may take a moment while it warms up.
	healthTimeout = 2 * time.Second
)

// waitReady returns nil once c is ready: with no healthPath, when it accepts
// TCP connections on its port; with one, when a GET of healthPath answers
// 2xx or 3xx. It fails with ErrExited if the process exits first, and with
// ErrNotListening or ErrUnhealthy if timeout passes first.
func (r *Runner) waitReady(ctx context.Context, c Container, timeout time.Duration, healthPath string) error {
	deadline, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	last := "no answer"
	for {
		cur, err := r.backend.Inspect(deadline, c.ID)
		if err == nil && !cur.Running {
			return fmt.Errorf("%w with code %d", ErrExited, cur.ExitCode)
		}
		if err == nil {
			if healthPath == "" && accepting(deadline, cur) {
				return nil
			}
			if healthPath != "" {
				ok, answer := healthy(deadline, cur, healthPath)
				if ok {
					return nil
				}
				if deadline.Err() == nil { // not a probe the deadline cut off
					last = answer
				}
			}
		}
		if err != nil && deadline.Err() == nil {
			return fmt.Errorf("check readiness: %w", err)
		}
		select {
		case <-deadline.Done():
			if ctx.Err() != nil {
				return fmt.Errorf("wait for readiness: %w", ctx.Err())
			}
			if healthPath != "" {
				return fmt.Errorf("%w: GET %s did not answer 2xx or 3xx within %s (last: %s)", ErrUnhealthy, healthURLPath(healthPath), timeout, last)
			}
			return fmt.Errorf("%w (%d) within %s: the web process must accept connections on the port in $PORT", ErrNotListening, ContainerPort, timeout)
		case <-tick.C:
		}
	}
}

// healthy GETs path from c and reports whether it answered 2xx or 3xx, and
// what it answered. The bridge address is asked; where it cannot be reached
// (see accepting), the published port is.
func healthy(ctx context.Context, c Container, path string) (bool, string) {
	path = healthURLPath(path)
	if c.ContainerAddr != "" {
		ok, answer, err := httpGet(ctx, c.ContainerAddr, path)
		if err == nil || errors.Is(err, syscall.ECONNREFUSED) || ctx.Err() != nil || c.HostAddr == "" {
			return ok, answer
		}
	}
	if c.HostAddr == "" {
		return false, "no address to check"
	}
	ok, answer, _ := httpGet(ctx, c.HostAddr, path)
	return ok, answer
}

func healthURLPath(path string) string {
	if !strings.HasPrefix(path, "/") {
		return "/" + path
	}
	return path
}

var healthClient = &http.Client{
	Transport:     &http.Transport{DisableKeepAlives: true, Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func httpGet(ctx context.Context, addr, path string) (ok bool, answer string, err error) {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return false, err.Error(), err
	}
	req.Header.Set("User-Agent", "paas-runner (health check)")
	resp, err := healthClient.Do(req)
	if err != nil {
		return false, err.Error(), err
	}
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 400, resp.Status, nil
}

// accepting reports whether c's process accepts connections. The published
// host port is no signal: docker-proxy accepts there before the app listens.
// The bridge address is: it refuses until the app listens. Where it cannot be
// reached (no bridge IP, or a daemon in another network namespace), an HTTP
// request through the host port that gets any response shows the app is up,
// since docker-proxy closes the connection when it cannot reach the app.
func accepting(ctx context.Context, c Container) bool {
	if c.ContainerAddr != "" {
		d := net.Dialer{Timeout: probeTimeout}
		conn, err := d.DialContext(ctx, "tcp", c.ContainerAddr)
		if err == nil {
			conn.Close()
			return true
		}
		if errors.Is(err, syscall.ECONNREFUSED) || ctx.Err() != nil {
			return false
		}
	}
	if c.HostAddr == "" {
		return false
	}
	return answersHTTP(ctx, c.HostAddr)
}

// probeClient never reuses a connection, so each probe sees the app anew;
// never follows redirects, since any response will do; and never goes
// through an HTTP proxy from the environment.
var probeClient = &http.Client{
	Timeout:       probeTimeout,
	Transport:     &http.Transport{DisableKeepAlives: true, Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func answersHTTP(ctx context.Context, addr string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	if err != nil {
		return false
	}
	req.Header.Set("User-Agent", "paas-runner (readiness check)")
	resp, err := probeClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}
