package router

import (
	"bufio"
	"net"
	"sync"
	"time"
)

// backendConn is a kept-alive HTTP/1.1 connection to one backend, with its
// buffers, so a request reusing it allocates none.
type backendConn struct {
	addr      string
	conn      net.Conn
	src       limitedReader // conn, limited while response headers are read
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
	reused    bool // it has carried a request before: the backend may have closed it since
}

func (c *backendConn) close() { c.conn.Close() }

// connPool holds idle backend connections by address, newest last, so the
// busiest connections stay warm and the oldest are the ones that time out.
type connPool struct {
	idleTimeout time.Duration // set before first use

	mu      sync.Mutex
	idle    map[string][]*backendConn
	reaping bool // a reap is scheduled
}

// get returns the newest idle connection to addr that has been idle for
// less than the pool's idleTimeout and is still open, or nil.
func (p *connPool) get(addr string) *backendConn {
	for {
		p.mu.Lock()
		conns := p.idle[addr]
		n := len(conns)
		if n == 0 {
			p.mu.Unlock()
			return nil
		}
		c := conns[n-1]
		conns[n-1] = nil
		p.idle[addr] = conns[:n-1]
		p.mu.Unlock()
		if time.Since(c.idleSince) >= p.idleTimeout {
			// The newest is stale, so every one is; the reaper closes the rest.
			c.close()
			return nil
		}
		if idleConnAlive(c.conn) {
			return c
		}
		c.close() // the app closed it (a restart closes them all): try the next
	}
}

// put keeps c for the next request to its address, or closes it when
// maxIdlePerBackend are already kept.
func (p *connPool) put(c *backendConn) {
	c.idleSince = time.Now()
	c.reused = true
	p.mu.Lock()
	if p.idle == nil {
		p.idle = map[string][]*backendConn{}
	}
	conns := p.idle[c.addr]
	if len(conns) >= maxIdlePerBackend {
		p.mu.Unlock()
		c.close()
		return
	}
	p.idle[c.addr] = append(conns, c)
	if !p.reaping {
		p.reaping = true
		time.AfterFunc(p.idleTimeout, p.reap)
	}
	p.mu.Unlock()
}

// reap closes connections idle for the pool's idleTimeout, before the app
// closes them itself, and those to backends no longer used. It reschedules itself while
// any connection is kept.
func (p *connPool) reap() {
	var stale []*backendConn
	p.mu.Lock()
	for addr, conns := range p.idle {
		i := 0
		for i < len(conns) && time.Since(conns[i].idleSince) >= p.idleTimeout {
			stale = append(stale, conns[i])
			i++
		}
		if i == len(conns) {
			delete(p.idle, addr)
			continue
		}
		if i > 0 {
			p.idle[addr] = append(conns[:0], conns[i:]...)
			clear(conns[len(conns)-i:])
		}
	}
	if len(p.idle) > 0 {
		time.AfterFunc(p.idleTimeout/2, p.reap)
	} else {
		p.reaping = false
	}
	p.mu.Unlock()
	for _, c := range stale {
		c.close()
	}
}

// closeIdle closes every idle connection.
func (p *connPool) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, conns := range idle {
		for _, c := range conns {
			c.close()
		}
	}
}
