package connguard

import (
	"fmt"
	"net/netip"
	"strings"
	"syscall"
)

// What paasd connects to on a user's word (a log drain's URL, a build's
// source URL) must not be paasd's own machine or a cloud metadata service
// unless the operator says so: such a URL would let anyone holding the
// token read what only the machine should.

// Addresses of cloud metadata services that are not link-local: AWS's IPv6
// one is in the unique-local range, Alibaba's in the shared 100.64.0.0/10.
var cloudMetadata = map[netip.Addr]bool{
	netip.MustParseAddr("fd00:ec2::254"):   true,
	netip.MustParseAddr("100.100.100.200"): true,
}

// nat64 is the well-known NAT64 prefix, 64:ff9b::/96: its addresses carry
// an IPv4 address in their last 4 bytes.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// RefusedAddr says what kind of address ip is when paasd may not connect to
// it unless the operator allows it, or "" when it may. Loopback and
// unspecified addresses reach paasd's machine (its API, admin pages);
// link-local ones reach cloud metadata. Private ranges (10/8, 172.16/12,
// 192.168/16, fc00::/7) are allowed: a self-hosted box may drain to a
// syslog server on its LAN.
func RefusedAddr(ip netip.Addr) string {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if ip.Is6() {
		// IPv4-compatible (::a.b.c.d) and NAT64 addresses carry an IPv4
		// address that some stacks and gateways deliver to.
		b := ip.As16()
		if [12]byte(b[:12]) == [12]byte{} || nat64.Contains(ip) {
			if kind := RefusedAddr(netip.AddrFrom4([4]byte(b[12:]))); kind != "" {
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

// RefusedHost is why a URL may not name host, literally, unless the
// operator allows it; "" when it may. Names are checked again once
// resolved, by the dialer.
func RefusedHost(host string) string {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if ip, err := netip.ParseAddr(h); err == nil {
		if kind := RefusedAddr(ip); kind != "" {
			return fmt.Sprintf("%s is a %s address", host, kind)
		}
		return ""
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return host + " is this machine"
	}
	return ""
}

// NumericHost reports whether host ends in a number, as 2130706433, 0x7f.1
// or 0177.0.0.1 do: no DNS name does, and some resolvers read such a host
// as an IPv4 address (127.0.0.1 in these three cases).
func NumericHost(host string) bool {
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

// RefusePrivate is a net.Dialer Control that refuses a connection to an
// address RefusedAddr refuses. It runs after a name is resolved, before the
// connection is made: checking the name alone is not enough, as DNS can
// answer 127.0.0.1 or 169.254.169.254 later. what and setting name the
// connections and the setting that allows them, for the refusal's message.
func RefusePrivate(what, setting string) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("address %s is refused: it is not an IP address and port", address)
		}
		if kind := RefusedAddr(ap.Addr()); kind != "" {
			return fmt.Errorf("address %s is refused: it is a %s address, which %s may not reach unless paasd runs with %s=1", address, kind, what, setting)
		}
		return nil
	}
}
