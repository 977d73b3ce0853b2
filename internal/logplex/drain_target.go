package logplex

import (
	"net"
	"time"

	"github.com/paas-dev/paas/internal/connguard"
)

// DrainAllowPrivateEnv is the setting that lets drains reach this machine
// and link-local addresses; refusals name it.
const DrainAllowPrivateEnv = "PAAS_DRAIN_ALLOW_PRIVATE"

// checkDrainTarget refuses, at drains:add, a URL whose host is not one a
// drain may send to. The dialer checks the addresses names resolve to.
func checkDrainTarget(u drainURL, allowPrivate bool) error {
	host := u.u.Hostname()
	if connguard.NumericHost(host) {
		return invalidDrain("drain URL %q has host %s, which is not a name and not an IP address in the usual form: write the IP address as four decimal numbers (e.g. 192.0.2.10), or use a host name", u.shown, host)
	}
	if allowPrivate {
		return nil
	}
	if why := connguard.RefusedHost(host); why != "" {
		return invalidDrain("drain URL %q is refused: %s, and drains may not reach paasd's own machine or link-local addresses (cloud metadata) unless paasd runs with %s=1: use a collector on another machine", u.shown, why, DrainAllowPrivateEnv)
	}
	return nil
}

// drainDialer is what every drain connects with. Unless allowPrivate, its
// Control refuses the connection when the address a name resolved to is
// one connguard.RefusedAddr refuses: checking the name at drains:add is not enough,
// as DNS can answer 127.0.0.1 or 169.254.169.254 later.
func drainDialer(cfg drainConfig) *net.Dialer {
	d := &net.Dialer{Timeout: cfg.dialTimeout, KeepAlive: 30 * time.Second}
	if !cfg.allowPrivate {
		d.Control = connguard.RefusePrivate("drains", DrainAllowPrivateEnv)
	}
	return d
}
