// Package connguard keeps slow or greedy clients from holding the daemon's
// servers: it caps the connections of each client address and bounds how
// long a request's headers and body may take to arrive.
package connguard

import (
	"net"
	"sync"
)

// DefaultPerAddr is how many connections one client address may hold open at
// once: far more than a browser (6) or git (1) opens, far fewer than it takes
// to run the daemon out of file descriptors.
const DefaultPerAddr = 256

// Listener caps the open connections of each client IP address; one over the
// cap is closed at once. Connections without an IP (a unix socket) are not
// counted: the kernel already decides who may open them.
type Listener struct {
	net.Listener
	perAddr int

	mu   sync.Mutex // protects open
	open map[string]int
}

// Limit wraps ln so that each client address holds at most perAddr
// connections; perAddr <= 0 means DefaultPerAddr.
func Limit(ln net.Listener, perAddr int) *Listener {
	if perAddr <= 0 {
		perAddr = DefaultPerAddr
	}
	return &Listener{Listener: ln, perAddr: perAddr, open: map[string]int{}}
}

// Accept returns the next connection whose address is under its cap.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc, ok := c.(*net.TCPConn)
		if !ok {
			return c, nil
		}
		ip := tc.RemoteAddr().(*net.TCPAddr).IP.String()
		if !l.acquire(ip) {
			_ = c.Close()
			continue
		}
		return &countedConn{TCPConn: tc, release: func() { l.release(ip) }}, nil
	}
}

func (l *Listener) acquire(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] >= l.perAddr {
		return false
	}
	l.open[ip]++
	return true
}

func (l *Listener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// countedConn gives its address's place back when closed, once. It is a
// *net.TCPConn still, so half-closes and the kernel's sendfile and splice
// keep working.
type countedConn struct {
	*net.TCPConn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.TCPConn.Close()
	c.once.Do(c.release)
	return err
}
