package router

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The fast path serves the common request, HTTP/1.1 to an app that is up,
// on a connection loop of its own: it parses the request head, picks the
// backend, rewrites the headers the router owns, sends the head and a small
// body in one write on a kept-alive backend connection, and relays the
// response as it comes, parsing its head only as far as framing and the
// log line need. net/http's server spends more per request than all of that
// (bench/README.md), and nginx does no more.
//
// Whatever it does not take it hands to net/http with the bytes it has
// read, for the rest of the connection: HTTP/1.0 and other versions
// (HTTP/2's preface included), protocol upgrades (WebSockets), Expect,
// chunked or large request bodies, unknown hosts, apps in maintenance or
// without processes or redirecting to HTTPS, ACME challenges, and
// request targets that are not a path.

// maxFastBody is the largest request body the fast path takes. It reads
// the body whole before sending the request, as nginx buffers bodies, so
// the request goes in one write and a backend that answers before reading
// cannot stall it. Larger bodies stream through net/http.
const maxFastBody = 64 << 10

// clientCheckInterval is how often the fast path, waiting on a backend,
// checks that the client is still there; a client that left has its
// backend connection closed, as net/http's cancelled request does.
const clientCheckInterval = 200 * time.Millisecond

// FastPathOptions bound the fast path's connections as the http.Server
// that serves what it hands over bounds its own.
type FastPathOptions struct {
	// HeaderTimeout is how long a request head may take once its first
	// byte has come (http.Server's ReadHeaderTimeout).
	HeaderTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// BodyIdle is how long a request body may pause between reads.
	BodyIdle time.Duration
}

// FastPath serves the router's requests from ln on the fast path. It is a
// net.Listener whose Accept returns the connections it hands over, for an
// http.Server serving the router to serve.
type FastPath struct {
	router   *Router
	ln       net.Listener
	opts     FastPathOptions
	handoffs chan net.Conn
	done     chan struct{} // closed by Close, or when ln fails
	stop     sync.Once
	err      error // why ln failed; written before done closes
	closing  atomic.Bool
	wg       sync.WaitGroup // connections being served

	mu    sync.Mutex
	conns map[*fastConn]struct{}
}

// FastPath starts serving ln's connections on the fast path. Serve the
// FastPath with an http.Server whose handler serves r, and shut both down.
func (r *Router) FastPath(ln net.Listener, o FastPathOptions) *FastPath {
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = 10 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 90 * time.Second
	}
	if o.BodyIdle <= 0 {
		o.BodyIdle = time.Minute
	}
	fp := &FastPath{
		router:   r,
		ln:       ln,
		opts:     o,
		handoffs: make(chan net.Conn),
		done:     make(chan struct{}),
		conns:    map[*fastConn]struct{}{},
	}
	go fp.acceptLoop()
	return fp
}

// Accept returns the next connection handed over to net/http.
func (fp *FastPath) Accept() (net.Conn, error) {
	select {
	case c := <-fp.handoffs:
		return c, nil
	case <-fp.done:
		if fp.err != nil {
			return nil, fp.err
		}
		return nil, net.ErrClosed
	}
}

// Addr is the address the router listens on.
func (fp *FastPath) Addr() net.Addr { return fp.ln.Addr() }

// Close stops accepting and closes the fast path's idle connections; those
// serving a request close when they have answered it. Only the first call
// closes the listener and says how that went: both Shutdown and the
// http.Server serving the handed-over connections call it.
func (fp *FastPath) Close() error {
	var err error
	if !fp.closing.Swap(true) {
		err = fp.ln.Close()
	}
	fp.stop.Do(func() { close(fp.done) })
	fp.mu.Lock()
	for c := range fp.conns {
		if c.idle {
			c.conn.Close()
		}
	}
	fp.mu.Unlock()
	return err
}

// Shutdown closes fp and waits for the requests it is serving, until ctx
// ends; then it closes what is left.
func (fp *FastPath) Shutdown(ctx context.Context) error {
	fp.Close()
	served := make(chan struct{})
	go func() { fp.wg.Wait(); close(served) }()
	select {
	case <-served:
		return nil
	case <-ctx.Done():
		fp.mu.Lock()
		for c := range fp.conns {
			c.conn.Close()
		}
		fp.mu.Unlock()
		return ctx.Err()
	}
}

func (fp *FastPath) acceptLoop() {
	var delay time.Duration
	for {
		c, err := fp.ln.Accept()
		if err != nil {
			if fp.closing.Load() {
				return
			}
			// Out of descriptors, or a connection gone before it was
			// taken: wait a little, as net/http does, and go on.
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ECONNABORTED) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(delay):
				case <-fp.done:
					return
				}
				continue
			}
			fp.err = err
			fp.stop.Do(func() { close(fp.done) })
			return
		}
		delay = 0
		fp.wg.Add(1)
		go fp.serve(c)
	}
}

// fastConn is a client connection on the fast path, with the buffers its
// requests reuse.
type fastConn struct {
	conn    net.Conn
	br      *bufio.Reader
	head    requestHead
	resp    responseHead
	out     []byte // the request to the backend, then the response to the client
	body    []byte // the request's body; then what a re-chunked response reads
	ip      string // the client's address, for X-Forwarded-For
	host    string // the request's Host header
	idle    bool   // waiting for a request; guarded by FastPath.mu
	handed  bool   // given to net/http
	closeIt bool   // close after this response
}

var fastConns = sync.Pool{New: func() any {
	return &fastConn{br: bufio.NewReaderSize(nil, 4<<10), out: make([]byte, 0, bufferSize)}
}}

func (fp *FastPath) serve(conn net.Conn) {
	defer fp.wg.Done()
	fc := fastConns.Get().(*fastConn)
	fc.conn, fc.handed, fc.closeIt = conn, false, false
	fc.br.Reset(conn)
	fc.ip = clientIP(conn.RemoteAddr())
	fp.mu.Lock()
	fp.conns[fc] = struct{}{}
	fp.mu.Unlock()
	defer func() {
		fp.mu.Lock()
		delete(fp.conns, fc)
		fp.mu.Unlock()
		if !fc.handed {
			conn.Close()
		}
		fc.conn = nil
		fc.br.Reset(nil)
		if cap(fc.head.raw) <= 64<<10 && cap(fc.body) <= maxFastBody {
			fastConns.Put(fc)
		}
	}()
	for {
		if !fp.setIdle(fc, true) {
			return
		}
		if fc.br.Buffered() == 0 {
			conn.SetReadDeadline(time.Now().Add(fp.opts.IdleTimeout))
			if _, err := fc.br.Peek(1); err != nil {
				return
			}
		}
		if !fp.setIdle(fc, false) {
			return
		}
		conn.SetReadDeadline(time.Now().Add(fp.opts.HeaderTimeout))
		if err := readRequestHead(fc.br, &fc.head); err != nil {
			var he *headError
			if errors.As(err, &he) {
				fc.refuse(he)
			}
			return
		}
		rt := fp.takes(fc)
		if rt == nil {
			fp.handoff(fc)
			return
		}
		fp.proxy(fc, rt)
		if fc.closeIt || fp.closing.Load() {
			return
		}
	}
}

// setIdle marks fc idle or busy; it reports false once fp is closing, when
// an idle connection is to be closed instead.
func (fp *FastPath) setIdle(fc *fastConn, idle bool) bool {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	fc.idle = idle
	return !fp.closing.Load()
}

// takes returns the route of a request the fast path serves, or nil; it
// keeps the Host as a string in fc for the request's own use.
func (fp *FastPath) takes(fc *fastConn) *route {
	h := &fc.head
	if h.minor != 1 || h.upgrade || h.expect || h.chunked || h.contentLength > maxFastBody ||
		h.target[0] != '/' || !plainTarget(h.target) || bytes.HasPrefix(h.target, []byte(acmeChallengePrefix)) {
		return nil
	}
	fc.host = string(h.host)
	rt := fp.router.table.Load().lookup(fc.host)
	if rt == nil || rt.maintenance || rt.balancer == nil || rt.httpsRedirect {
		return nil // net/http answers, or redirects
	}
	return rt
}

// handoff gives the connection to net/http, which reads the request the
// fast path has read again.
func (fp *FastPath) handoff(fc *fastConn) {
	read := make([]byte, 0, len(fc.head.raw)+fc.br.Buffered())
	read = append(read, fc.head.raw...)
	buffered, _ := fc.br.Peek(fc.br.Buffered())
	read = append(read, buffered...)
	fc.conn.SetReadDeadline(time.Time{})
	pc := &prefixConn{Conn: fc.conn, prefix: read}
	select {
	case fp.handoffs <- pc:
		fc.handed = true
	case <-fp.done:
	}
}

// refuse answers a head the fast path refuses, and the connection closes.
func (fc *fastConn) refuse(he *headError) {
	b := appendTextResponse(fc.out[:0], he.status, "", statusText(he.status)+": "+he.why+"\n", true, false)
	if _, err := fc.conn.Write(b); err != nil {
		return
	}
	// Close the way net/http does: half-close, then read a little of
	// what the client is still sending, so that closing with unread bytes
	// does not reset the connection before the client reads the answer.
	if cw, ok := fc.conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		fc.conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		io.CopyN(io.Discard, fc.conn, 256<<10)
	}
}

// prefixConn is a connection handed to net/http: it reads first what the
// fast path had read of it.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite lets net/http half-close the connection, as it does a TCP one.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// clientIP is the host of a client's address.
func clientIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	s := a.String()
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return s
}
