package logplex

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// DrainAllowPrivateEnv is the setting that lets drains reach this machine
// and link-local addresses; refusals name it.
const DrainAllowPrivateEnv = "PAAS_DRAIN_ALLOW_PRIVATE"

// Addresses of cloud metadata services that are not link-local: AWS's IPv6
// one is in the unique-local range, Alibaba's in the shared 100.64.0.0/10.
var cloudMetadata = map[netip.Addr]bool{
	netip.MustParseAddr("fd00:ec2::254"):   true,
	netip.MustParseAddr("100.100.100.200"): true,
}

// nat64 is the well-known NAT64 prefix, 64:ff9b::/96: its addresses carry
// an IPv4 address in their last 4 bytes.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// refusedAddr says what kind of address ip is when a drain may not send to
// it unless the operator allows it, or "" when it may. Loopback and
// unspecified addresses reach paasd's machine (its API, admin pages);
// link-local ones reach cloud metadata. Private ranges (10/8, 172.16/12,
// 192.168/16, fc00::/7) are allowed: a self-hosted box may drain to a
// syslog server on its LAN.
func refusedAddr(ip netip.Addr) string {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if ip.Is6() {
		// IPv4-compatible (::a.b.c.d) and NAT64 addresses carry an IPv4
		// address that some stacks and gateways deliver to.
		b := ip.As16()
		if [12]byte(b[:12]) == [12]byte{} || nat64.Contains(ip) {
			if kind := refusedAddr(netip.AddrFrom4([4]byte(b[12:]))); kind != "" {
				return kind
			}
		}
	}
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsUnspecified(), ip.Is4() && ip.As4()[0] == 0:
		// Linux connects to 0.0.0.0 (and 0/8) as to this machine.
		return "unspecified"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	case cloudMetadata[ip]:
		return "cloud metadata"
	}
	return ""
}

// refusedHost is why a drain may not name host, literally, unless the
// operator allows it; "" when it may. Names are checked again once
// resolved, by the dialer.
func refusedHost(host string) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		if kind := refusedAddr(ip); kind != "" {
			return fmt.Sprintf("%s is a %s address", host, kind)
		}
		return ""
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return host + " is this machine"
	}
	return ""
}

// numericHost reports whether host ends in a number, as 2130706433, 0x7f.1
// or 0177.0.0.1 do: no DNS name does, and some resolvers read such a host
// as an IPv4 address (127.0.0.1 in these three cases).
func numericHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if _, err := netip.ParseAddr(h); err == nil || h == "" {
		return false
	}
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last == "" {
		return false
	}
	digits := "0123456789"
	if hex, ok := strings.CutPrefix(last, "0x"); ok {
		last, digits = hex, "0123456789abcdef"
	}
	return strings.Trim(last, digits) == ""
}

// checkDrainTarget refuses, at drains:add, a URL whose host is not one a
// drain may send to. The dialer checks the addresses names resolve to.
func checkDrainTarget(u drainURL, allowPrivate bool) error {
	host := u.u.Hostname()
	if numericHost(host) {
		return invalidDrain("drain URL %q has host %s, which is not a name and not an IP address in the usual form: write the IP address as four decimal numbers (e.g. 192.0.2.10), or use a host name", u.shown, host)
	}
	if allowPrivate {
		return nil
	}
	if why := refusedHost(host); why != "" {
		return invalidDrain("drain URL %q is refused: %s, and drains may not reach paasd's own machine or link-local addresses (cloud metadata) unless paasd runs with %s=1: use a collector on another machine", u.shown, why, DrainAllowPrivateEnv)
	}
	return nil
}

// drainDialer is what every drain connects with. Unless allowPrivate, its
// Control refuses the connection when the address a name resolved to is
// one refusedAddr refuses: checking the name at drains:add is not enough,
// as DNS can answer 127.0.0.1 or 169.254.169.254 later.
func drainDialer(cfg drainConfig) *net.Dialer {
	d := &net.Dialer{Timeout: cfg.dialTimeout, KeepAlive: 30 * time.Second}
	if !cfg.allowPrivate {
		d.Control = refuseAddr
	}
	return d
}

// refuseAddr is a net.Dialer Control: it runs after the name is resolved,
// before the connection is made.
func refuseAddr(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("drain address %s is refused: it is not an IP address and port", address)
	}
	if kind := refusedAddr(ap.Addr()); kind != "" {
		return fmt.Errorf("drain address %s is refused: it is a %s address, which drains may not reach unless paasd runs with %s=1", address, kind, DrainAllowPrivateEnv)
	}
	return nil
}
