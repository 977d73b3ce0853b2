package runner

import (
	"strings"
	"time"
)

// backoff is how long to wait before restarting a process that has crashed
// crashes times in a row: the first crash restarts at once, the second after
// base, then doubling up to max (Heroku's immediate first restart, then
// Kubernetes' CrashLoopBackOff).
func backoff(crashes int, base, max time.Duration) time.Duration {
	if crashes <= 1 {
		return 0
	}
	d := base
	for i := 2; i < crashes; i++ {
		d *= 2
		if d >= max {
			return max
		}
	}
	return min(d, max)
}

// nextCrashes counts a crash after the process was up for upFor: one that
// stayed up reset or longer starts the count over.
func nextCrashes(crashes int, upFor, reset time.Duration) int {
	if upFor >= reset {
		return 1
	}
	return crashes + 1
}

// formatDelay writes 5m rather than 5m0s.
func formatDelay(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	return s
}
