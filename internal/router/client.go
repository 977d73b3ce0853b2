package router

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"sync/atomic"
	"time"
)

// backendClient sends a request and reads its response on the caller's
// goroutine, over kept-alive connections. http.Transport hands every request
// to a writer and a reader goroutine of the connection and back, and those
// handoffs cost more than all the rest of proxying a small request (see
// bench/README.md). It takes only requests without a body that ask for no
// protocol switch (see takes); http.Transport serves the rest, where writing
// the body while reading the response needs the second goroutine.
type backendClient struct {
	pool    connPool
	dial    func(ctx context.Context, network, addr string) (net.Conn, error) // timedDial
	timeout atomic.Int64                                                      // response header timeout, in ns
}

// takes reports whether c can send req: no body to stream, no upgrade.
func (c *backendClient) takes(req *http.Request) bool {
	return (req.Body == nil || req.Body == http.NoBody) && req.ContentLength == 0 &&
		req.Header["Upgrade"] == nil && len(req.TransferEncoding) == 0 && len(req.Trailer) == 0
}

// maxResponseHeaderBytes bounds what a backend may send before a response's
// body, interim responses included, so that one app cannot exhaust the
// memory of the router every app shares.
const maxResponseHeaderBytes = 1 << 20

var (
	// errBackendClosed is a kept-alive connection that failed before the
	// first byte of a response: most likely the backend closed it while it
	// was idle, and did not see the request. http.Transport retries in the
	// same case if the request is replayable.
	errBackendClosed = errors.New("backend closed the kept-alive connection before answering")
	// errNotSent is a kept-alive connection that failed while the request
	// was being written: the backend cannot have seen a complete request,
	// so any request without a body may go again.
	errNotSent = errors.New("kept-alive connection failed before the request was sent")
	// errHeaderTooLarge is a backend whose response headers passed
	// maxResponseHeaderBytes.
	errHeaderTooLarge = fmt.Errorf("backend response headers exceed %d bytes", maxResponseHeaderBytes)
)

// RoundTrip sends req to req.URL.Host and returns the response with the
// headers read. The connection goes back to the pool when the body has been
// read to its end and closed.
func (c *backendClient) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		bc, err := c.conn(ctx, req.URL.Host)
		if err != nil {
			return nil, err
		}
		resp, err := c.exchange(bc, req)
		if err == nil {
			return resp, nil
		}
		bc.close()
		// Like http.Transport: a request the backend cannot have seen goes
		// again on a new connection, if sending it twice is harmless.
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err() // the client left; ReverseProxy keeps quiet about that
		case errors.Is(err, errNotSent), errors.Is(err, errBackendClosed) && replayable(req):
			continue
		}
		return nil, err
	}
}

// conn takes an idle connection to addr or dials one.
func (c *backendClient) conn(ctx context.Context, addr string) (*backendConn, error) {
	if bc := c.pool.get(addr); bc != nil {
		return bc, nil
	}
	conn, err := c.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	bc := &backendConn{addr: addr, conn: conn, src: limitedReader{r: conn, n: -1}}
	bc.br = bufio.NewReaderSize(&bc.src, 4<<10)
	bc.bw = bufio.NewWriterSize(conn, 4<<10)
	return bc, nil
}

// exchange writes req on bc and reads the response headers.
func (c *backendClient) exchange(bc *backendConn, req *http.Request) (*http.Response, error) {
	// The client leaving closes the connection, which unblocks a read or
	// write; it is never reused after that. The header timeout is a read
	// deadline.
	ctx := req.Context()
	stop := context.AfterFunc(ctx, bc.close)
	if err := req.Write(bc.bw); err != nil {
		stop()
		return nil, c.sendError(bc, err)
	}
	if err := bc.bw.Flush(); err != nil {
		stop()
		return nil, c.sendError(bc, err)
	}
	bc.conn.SetReadDeadline(time.Now().Add(time.Duration(c.timeout.Load())))
	bc.src.n = maxResponseHeaderBytes
	if _, err := bc.br.Peek(1); err != nil {
		stop()
		// Nothing came back: a kept-alive connection was closed, or reset,
		// by the backend before it read the request. A timeout is not that.
		if bc.reused && !isTimeout(err) {
			return nil, fmt.Errorf("%w: %w", errBackendClosed, err)
		}
		return nil, err
	}
	resp, err := readResponse(bc.br, req)
	if err != nil {
		stop()
		return nil, err
	}
	bc.conn.SetReadDeadline(time.Time{})
	bc.src.n = -1
	resp.Body = &pooledBody{body: resp.Body, ctx: ctx, conn: bc, pool: &c.pool, stop: stop,
		reusable: !resp.Close && !req.Close, done: resp.Body == http.NoBody}
	return resp, nil
}

// sendError explains a failed write: on a reused connection, the backend
// closed it while it was idle.
func (c *backendClient) sendError(bc *backendConn, err error) error {
	if bc.reused {
		return fmt.Errorf("%w: %w", errNotSent, err)
	}
	return err
}

// readResponse reads the final response to req, passing interim ones (103
// Early Hints) to the request's trace, which ReverseProxy uses to forward
// them; maxResponseHeaderBytes bounds how many. It refuses 101: a protocol
// switch was not asked for.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, errors.New("backend switched protocols without being asked to")
		case resp.StatusCode >= 200 || resp.StatusCode < 100:
			return resp, nil
		}
		if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.Got1xxResponse != nil {
			if err := trace.Got1xxResponse(resp.StatusCode, textproto.MIMEHeader(resp.Header)); err != nil {
				return nil, err
			}
		}
	}
}

// replayable reports whether req may be sent again: http.Transport's rule
// for a request without a body.
func replayable(req *http.Request) bool {
	switch req.Method {
	case "", "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// pooledBody is a response body whose connection goes back to the pool once
// the body has been read to its end and closed; closed any earlier, the
// connection is closed with it, as the rest of the response is unwanted.
type pooledBody struct {
	body     io.ReadCloser
	ctx      context.Context // the request's
	conn     *backendConn
	pool     *connPool
	stop     func() bool // ends the close-on-cancel of the request's context
	reusable bool        // neither side asked to close the connection
	done     bool        // the body was read to its end
	closed   bool
}

func (b *pooledBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	switch {
	case err == io.EOF:
		b.done = true
	case err != nil && b.ctx.Err() != nil:
		// The client left and its context closed the connection. Say
		// so as Transport does, and ReverseProxy logs no read error.
		err = b.ctx.Err()
	}
	return n, err
}

// limitedReader reads from r until n bytes have been read, then fails with
// errHeaderTooLarge; n < 0 is no limit.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(p)
	}
	if l.n == 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func (b *pooledBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	// stop reports false if the context already closed the connection.
	if b.stop() && b.done && b.reusable && b.conn.br.Buffered() == 0 {
		b.pool.put(b.conn)
		return nil
	}
	// Not read to its end: closing the body now would read the rest.
	b.conn.close()
	return nil
}
