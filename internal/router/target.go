package router

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
)

// target counts the requests in flight to one backend address of an app, so
// that a deploy can wait for them (Drain) before stopping the process. Every
// balancer of the app listing the address shares its target: a backend kept
// across a swap keeps its count and is never drained.
type target struct {
	router   *Router // woken when a retired target's last request ends
	inflight atomic.Int64
	retired  atomic.Bool // the current table no longer routes here
}

// acquire counts a request as in flight to t, unless a swap has retired t;
// then the request must pick from the current set instead.
//
// A swap publishes the table without t before it retires t, and Drain reads
// the count after that. Counting before checking therefore leaves no gap:
// a request that finds t not retired was counted before the swap finished,
// so Drain sees it; one that finds t retired never uses it. That is
// kamal-proxy's "pick and register under one read lock", for one atomic add
// and one load, with no lock on the request path.
func (t *target) acquire() bool {
	t.inflight.Add(1)
	if t.retired.Load() {
		t.release()
		return false
	}
	return true
}

// release ends a request counted by acquire.
func (t *target) release() {
	if t.inflight.Add(-1) == 0 && t.retired.Load() {
		t.router.wakeDrains()
	}
}

// hold keeps the request counted in flight until the proxy closes resp's
// body: after the whole response, or for an upgraded connection (WebSocket)
// when either side hangs up.
func (t *target) hold(resp *http.Response, req *http.Request) {
	if conn, ok := resp.Body.(io.ReadWriteCloser); ok && resp.StatusCode == http.StatusSwitchingProtocols {
		h := &heldConn{heldBody{ReadCloser: conn, target: t}, conn}
		resp.Body = h
		// ReverseProxy leaves the backend connection open when it refuses
		// the switch (a protocol the client did not ask for); the request's
		// end closes it, so the count cannot leak.
		context.AfterFunc(req.Context(), func() { h.Close() })
		return
	}
	resp.Body = &heldBody{ReadCloser: resp.Body, target: t}
}

// heldBody is a response body whose first Close releases its target.
type heldBody struct {
	io.ReadCloser
	target *target
	closed atomic.Bool // an upgraded connection is closed from two goroutines
}

func (b *heldBody) Close() error {
	if !b.closed.CompareAndSwap(false, true) {
		return nil
	}
	err := b.ReadCloser.Close()
	b.target.release()
	return err
}

// heldConn is the body of a 101 response: the backend connection, which
// ReverseProxy needs writable.
type heldConn struct {
	heldBody
	w io.Writer
}

func (c *heldConn) Write(p []byte) (int, error) { return c.w.Write(p) }
