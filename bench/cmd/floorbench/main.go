// Command floorbench measures the floor of a Go proxy on this machine: what
// any proxy written in Go costs before it does any work of its own. The load
// benchmark (bench/run.sh) runs it in the same run as nginx and the router,
// so the table shows how much of the router's gap to nginx is Go's and how
// much is the router's.
//
// It has three modes:
//
//   - tcp: a TCP relay with no HTTP at all. Each client connection gets its
//     own backend connection, and the relay copies bytes back and forth. This
//     is the floor of Go's network I/O for proxying.
//   - nethttp: a minimal proxy on net/http's server. Its handler writes the
//     request to a kept-alive backend connection from a tiny pool, reads the
//     response with http.ReadResponse and copies it back, all on the
//     handler's goroutine (no http.Transport). This is the floor of any proxy
//     built on net/http's server.
//   - fasthttp: the same on fasthttp's server and HostClient (fasthttp.go).
//
// It is a benchmark tool, not a proxy to use: see the comments on what each
// mode leaves out. It prints the address it listens on as its first line of
// output.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	mode := flag.String("mode", "tcp", "tcp (a TCP relay, no HTTP), nethttp (a minimal net/http proxy) or fasthttp (a minimal fasthttp proxy)")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on; port 0 picks a free one")
	backend := flag.String("backend", "", "backend address (host:port)")
	flag.Parse()
	log.SetPrefix("floorbench: ")
	log.SetFlags(0)
	if err := run(*mode, *addr, *backend); err != nil {
		log.Fatal(err)
	}
}

func run(mode, addr, backend string) error {
	if backend == "" {
		return errors.New("no backend: give -backend host:port")
	}
	if mode != "tcp" && mode != "nethttp" && mode != "fasthttp" {
		return fmt.Errorf("unknown -mode %q: want tcp, nethttp or fasthttp", mode)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}

	serve := func() error { return relay(ln, backend) }
	shutdown := func() { ln.Close() }
	if mode == "nethttp" {
		// As paasd serves its router.
		srv := &http.Server{
			Handler:           &proxy{backend: backend},
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       90 * time.Second,
		}
		serve = func() error { return srv.Serve(ln) }
		shutdown = func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
		}
	}

	if mode == "fasthttp" {
		serve, shutdown = fasthttpProxy(ln, backend)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- serve() }()
	fmt.Println(ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Connections still open in tcp mode end with the process.
	shutdown()
	return nil
}

// relay accepts client connections until ln is closed and relays each to a
// backend connection of its own.
func relay(ln net.Listener, backend string) error {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return err
		}
		if err != nil {
			log.Printf("accept: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go relayConn(c, backend)
	}
}

// relayConn passes one read of the client's bytes to the backend, then one
// read of the backend's bytes to the client, until either side closes or
// fails. One read each way is enough only for this benchmark: wrk sends one
// small request at a time on each connection and waits for its response, and
// the backend's response is small and written at once. A real relay would
// copy both directions independently.
func relayConn(client net.Conn, backend string) {
	defer client.Close()
	b, err := net.Dial("tcp", backend)
	if err != nil {
		log.Printf("dial backend: %v", err)
		return
	}
	defer b.Close()
	buf := make([]byte, 32<<10)
	for pass(b, client, buf) && pass(client, b, buf) {
	}
}

// pass reads once from src and writes what it got to dst. It reports whether
// both went well.
func pass(dst io.Writer, src io.Reader, buf []byte) bool {
	n, err := src.Read(buf)
	if n > 0 {
		if _, werr := dst.Write(buf[:n]); werr != nil {
			return false
		}
	}
	return err == nil
}

// proxy is the minimal net/http proxy: one backend, a pool of kept-alive
// connections to it, and the request and response written and read on the
// handler's goroutine. It leaves out what a real proxy needs: no retry on a
// pooled connection the backend closed while it was idle (the backend's idle
// timeout is longer than a benchmark run), no timeouts on the backend, no
// chunked request bodies, no upgrades, no 1xx responses.
type proxy struct {
	backend string

	mu   sync.Mutex
	idle []*upstream
}

// maxIdle caps the pool: more idle backend connections than this are closed.
const maxIdle = 256

// upstream is a kept-alive backend connection, with its buffers.
type upstream struct {
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	buf  []byte // for copying response bodies
}

func (p *proxy) get() (*upstream, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		u := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return u, nil
	}
	p.mu.Unlock()
	c, err := net.Dial("tcp", p.backend)
	if err != nil {
		return nil, err
	}
	return &upstream{conn: c, br: bufio.NewReader(c), bw: bufio.NewWriter(c), buf: make([]byte, 32<<10)}, nil
}

func (p *proxy) put(u *upstream) {
	p.mu.Lock()
	if len(p.idle) < maxIdle {
		p.idle = append(p.idle, u)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	u.conn.Close()
}

// hopByHop are the headers that describe one connection and are not passed
// on, in canonical form. The request's Content-Length and X-Forwarded-For are
// written separately, and Expect was already answered by the server.
var hopByHop = map[string]bool{
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength < 0 {
		http.Error(w, "floorbench: request bodies of unknown length are not supported", http.StatusLengthRequired)
		return
	}
	u, err := p.get()
	if err != nil {
		log.Printf("dial backend: %v", err)
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	resp, err := u.roundTrip(r)
	if err != nil {
		u.conn.Close()
		log.Printf("backend: %v", err)
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	h := w.Header()
	for k, vv := range resp.Header {
		if !hopByHop[k] {
			h[k] = vv
		}
	}
	w.WriteHeader(resp.StatusCode)
	// The body is not closed: closing one that was not read to the end would
	// drain it from the backend. Its connection is closed instead.
	if copyBody(w, resp.Body, u.buf) && !resp.Close {
		p.put(u)
	} else {
		u.conn.Close()
	}
}

// roundTrip writes r to the backend and reads the response's header.
func (u *upstream) roundTrip(r *http.Request) (*http.Response, error) {
	bw := u.bw
	bw.WriteString(r.Method)
	bw.WriteByte(' ')
	bw.WriteString(r.RequestURI)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(r.Host)
	bw.WriteString("\r\n")
	xff, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		xff = r.RemoteAddr
	}
	for k, vv := range r.Header {
		switch {
		case k == "X-Forwarded-For":
			xff = strings.Join(vv, ", ") + ", " + xff
			continue
		case k == "Content-Length" || k == "Expect" || hopByHop[k]:
			continue
		}
		for _, v := range vv {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	bw.WriteString("X-Forwarded-For: ")
	bw.WriteString(xff)
	bw.WriteString("\r\n")
	if r.ContentLength > 0 {
		bw.WriteString("Content-Length: ")
		bw.WriteString(strconv.FormatInt(r.ContentLength, 10))
		bw.WriteString("\r\n")
	}
	bw.WriteString("\r\n")
	if r.ContentLength > 0 {
		if _, err := io.CopyN(bw, r.Body, r.ContentLength); err != nil {
			return nil, fmt.Errorf("copy request body: %w", err)
		}
	}
	// bufio.Writer keeps its first error, so Flush reports any of the above.
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	return http.ReadResponse(u.br, r)
}

// copyBody copies body to w with buf and reports whether it read body to
// its end and wrote all of it.
func copyBody(w io.Writer, body io.Reader, buf []byte) bool {
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return false
			}
		}
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}
