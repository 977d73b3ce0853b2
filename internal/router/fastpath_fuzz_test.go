package router

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FuzzFastPathMatchesNetHTTP sends the same generated exchanges, two
// requests on one kept-alive client connection, through the fast path and
// through net/http's server and ReverseProxy (the router's other path), to
// a scripted app, and compares what the app saw of each request and what
// the client got of each response: status, headers, body, trailers.
//
// Where the two differ by design, both sides are normalised, for the
// reason written here:
//   - Date: each server writes its own when the app sends none, and the
//     second may turn between them.
//   - Content-Type: net/http's server sniffs one when the app sent none;
//     the fast path passes the app's headers as they are, as nginx does.
//   - Content-Length on a response the app did not give one: net/http may
//     count a short body and declare it; the fast path sends it chunked.
//   - X-Request-Id: a new random one on each side unless the client sent
//     a valid one, which both pass.
//   - How a failed response failed: net/http's server drops a response
//     whose body fails before any of it was written, the fast path may
//     have sent its head; both fail it.
func FuzzFastPathMatchesNetHTTP(f *testing.F) {
	type seed struct {
		method                     byte
		path, hname, hvalue        string
		status                     uint16
		extra                      string
		body, reqBody              []byte
		framing, method2, framing2 byte
	}
	for _, s := range []seed{
		{0, "", "Accept", "text/html", 100, "Content-Type: text/plain", []byte("hello"), nil, frameLength, 0, frameLength},
		{0, "a/b?c=d", "X-Request-Id", "abcdefghijklmnopqrstuvwxyz", 100, "Set-Cookie: a=1\nSet-Cookie: b=2", []byte("chunked body here"), nil, frameChunked, 0, frameChunked},
		{1, "", "", "", 100, "", []byte("not sent for HEAD"), nil, frameLength, 0, frameLength},
		{0, "x", "", "", 204, "", []byte("body"), nil, frameNoBodyCode, 0, frameLength},
		{0, "", "", "", 100, "", []byte("early"), nil, frameEarlyHints, 0, frameLength},
		{0, "", "", "", 100, "", []byte("until close"), nil, frameUntilClose, 0, frameLength},
		{0, "", "", "", 100, "", []byte("short"), nil, frameShortBody, 0, frameLength},
		{0, "", "", "", 100, "", []byte("two lengths"), nil, frameTwoLengths, 0, frameLength},
		{0, "", "", "", 100, "", []byte("bad chunk"), nil, frameBadChunk, 0, frameLength},
		{2, "items/7", "If-Match", `"v1"`, 304, "", nil, []byte("gone"), frameLength, 3, frameChunked},
		{5, "form", "Content-Type", "application/x-www-form-urlencoded", 201, "Location: /form/1", []byte("made"), []byte("a=1&b=2"), frameLength, 5, frameLength},
		{4, "cache", "X-Forwarded-For", "10.0.0.1, 10.0.0.2", 100, "content-type: a\nX-Odd-Case: 1\nx-odd-case: 2", []byte{0, 1, 2, 0xff}, nil, frameLength, 1, frameLength},
		{0, "", "Connection", "X-Drop-Me", 0, "", nil, nil, frameLength, 0, frameLength},
		{0, "", "Te", "trailers", 400, "", []byte("x"), nil, frameLength, 0, frameUntilClose},
		{0, "", "", "", 0, "Bad Header Line", []byte("x"), nil, frameLength, 0, frameLength},
	} {
		f.Add(s.method, s.path, s.hname, s.hvalue, s.status, s.extra, s.body, s.reqBody, s.framing, s.method2, s.framing2)
	}

	// One router and server per path for the whole run, dialling each
	// exchange's app on its Unix socket by the address it was given.
	var (
		sockets sync.Map // backend address -> socket path
		next    atomic.Int64
	)
	dial := func(ctx context.Context, _, addr string) (net.Conn, error) {
		path, ok := sockets.Load(addr)
		if !ok {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("no socket for %s", addr)}
		}
		var d net.Dialer
		return d.DialContext(ctx, "unix", path.(string))
	}
	newRouter := func() *Router {
		logger := slog.New(slog.DiscardHandler)
		r := New("localhost", logger)
		r.upstream = newUpstreamDialing(dial, 5*time.Second, logger)
		return r
	}
	fastRouter, netRouter := newRouter(), newRouter()
	fastSrv := httptest.NewUnstartedServer(fastRouter)
	fastSrv.Listener = fastRouter.FastPath(fastSrv.Listener, FastPathOptions{})
	fastSrv.Start()
	f.Cleanup(fastSrv.Close)
	netSrv := httptest.NewServer(netRouter)
	f.Cleanup(netSrv.Close)
	fastClient := &oneConn{addr: fastSrv.Listener.Addr().String()}
	netClient := &oneConn{addr: netSrv.Listener.Addr().String()}
	f.Cleanup(fastClient.close)
	f.Cleanup(netClient.close)

	f.Fuzz(func(t *testing.T, method byte, path, hname, hvalue string, status uint16, extra string, body, reqBody []byte, framing, method2, framing2 byte) {
		if len(body) > 64<<10 || len(reqBody) > maxFastBody || len(extra) > 4<<10 || len(path) > 1<<10 || len(hvalue) > 1<<10 {
			return
		}
		scripts := []exchangeScript{
			makeScript(method, path, hname, hvalue, status, extra, body, framing),
			makeScript(method2, path+"2", hname, hvalue, status+1, extra, append([]byte("second "), body...), framing2),
		}
		// A header the client may send that makeScript keeps to itself.
		for _, s := range scripts {
			if (strings.EqualFold(hname, "Connection") || strings.EqualFold(hname, "Te")) && isToken(strings.TrimSpace(hvalue)) {
				s.header.Set(hname, hvalue)
				s.header.Set(strings.TrimSpace(hvalue), "hop")
			}
		}
		run := func(r *Router, srv *httptest.Server, tr *oneConn) ([]seenRequest, []gotResponse) {
			backend := newScriptedBackend(t, scripts)
			addr := fmt.Sprintf("app-%d:80", next.Add(1))
			sockets.Store(addr, backend.addr)
			t.Cleanup(func() { sockets.Delete(addr) })
			r.SetBackends("hello", []string{addr})
			got := exchangeThrough(tr, srv.URL, scripts, reqBody)
			return backend.requests(), got
		}
		start := time.Now()
		seenFast, gotFast := run(fastRouter, fastSrv, fastClient)
		tookFast := time.Since(start)
		seenNet, gotNet := run(netRouter, netSrv, netClient)
		if tookNet := time.Since(start) - tookFast; tookFast > 3*time.Second || tookNet > 3*time.Second {
			t.Errorf("the exchanges took %v through the fast path and %v through net/http", tookFast, tookNet)
		}

		for i := range scripts {
			if i < len(gotFast) && i < len(gotNet) {
				normaliseResponses(&gotFast[i], &gotNet[i], scripts[i])
			}
		}
		seenFast, seenNet = normaliseRequests(seenFast, scripts), normaliseRequests(seenNet, scripts)
		if !reflect.DeepEqual(gotFast, gotNet) {
			t.Errorf("through the fast path the client got\n%+v\nthrough net/http\n%+v\nfor the responses\n%q", gotFast, gotNet, [][]byte{scripts[0].response, scripts[1].response})
		}
		if !reflect.DeepEqual(seenFast, seenNet) {
			t.Errorf("the app saw\n%+v\nthrough the fast path and\n%+v\nthrough net/http", seenFast, seenNet)
		}
	})
}

// exchangeThrough sends the scripts' requests one after the other to the
// router at url, for the app "hello", each with body when the method may
// have one; it stops after the first failure.
func exchangeThrough(rt http.RoundTripper, url string, scripts []exchangeScript, body []byte) []gotResponse {
	var got []gotResponse
	for _, s := range scripts {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var rb io.Reader
		if len(body) > 0 && s.method != http.MethodGet && s.method != http.MethodHead {
			rb = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, s.method, url+s.target, rb)
		if err != nil {
			cancel()
			return got
		}
		req.Host = "hello.localhost"
		for k, v := range s.header {
			req.Header[k] = v
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			cancel()
			return append(got, gotResponse{Failed: true})
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		got = append(got, gotResponse{Status: resp.StatusCode, Header: resp.Header, Body: string(b),
			BodyFailed: err != nil, Trailer: resp.Trailer, ContentLength: resp.ContentLength})
		if err != nil {
			return got
		}
	}
	return got
}

// normaliseResponses removes from a and b what may differ by design (see
// FuzzFastPathMatchesNetHTTP).
func normaliseResponses(a, b *gotResponse, s exchangeScript) {
	if a.Failed || a.BodyFailed || b.Failed || b.BodyFailed {
		if (a.Failed || a.BodyFailed) && (b.Failed || b.BodyFailed) {
			*a, *b = gotResponse{Failed: true}, gotResponse{Failed: true}
		}
		return
	}
	head, _, _ := bytes.Cut(s.response, []byte("\r\n\r\n"))
	for _, g := range []*gotResponse{a, b} {
		if g.Header == nil {
			continue
		}
		g.Header.Del("Date")
		if !bytes.Contains(bytes.ToLower(head), []byte("\ncontent-type:")) {
			g.Header.Del("Content-Type")
		}
		if !bytes.Contains(bytes.ToLower(head), []byte("\ncontent-length:")) {
			g.Header.Del("Content-Length")
			g.ContentLength = -2
		}
		if id := g.Header.Get(headerRequestID); id != "" && id != s.header.Get(headerRequestID) {
			g.Header.Set(headerRequestID, "random")
		}
	}
}

// normaliseRequests replaces the router's random request ids.
func normaliseRequests(seen []seenRequest, scripts []exchangeScript) []seenRequest {
	sent := scripts[0].header.Get(headerRequestID)
	for _, r := range seen {
		if r.Header.Get(headerRequestID) != sent {
			r.Header.Set(headerRequestID, "random")
		}
	}
	return seen
}

// oneConn is an HTTP/1.1 client on one kept-alive connection, dialled
// again once closed. Unlike http.Transport, it never sends a request
// twice: whether a failed response had its head flushed first is a race
// inside net/http's server, and Transport retries a GET only when it had
// not.
type oneConn struct {
	addr string
	conn net.Conn
	br   *bufio.Reader
}

func (c *oneConn) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return nil, err
		}
		c.conn, c.br = conn, bufio.NewReader(conn)
	}
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := req.Write(c.conn); err != nil {
		c.close()
		return nil, err
	}
	for {
		resp, err := http.ReadResponse(c.br, req)
		switch {
		case err != nil:
			c.close()
			return nil, err
		case resp.StatusCode < 200:
			continue // interim
		}
		resp.Body = &closingBody{resp.Body, c, resp.Close}
		return resp, nil
	}
}

func (c *oneConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// closingBody closes its connection after a failed body, or one the
// server said it closes.
type closingBody struct {
	io.ReadCloser
	c      *oneConn
	closes bool
}

func (b *closingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		b.closes = true
	}
	return n, err
}

func (b *closingBody) Close() error {
	if b.closes {
		b.c.close()
	}
	return b.ReadCloser.Close()
}
