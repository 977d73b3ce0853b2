package router

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// errClientGone is a client that closed its connection while the router
// waited on the app.
var errClientGone = errors.New("the client closed its connection")

// fastExchange is one request on the fast path, as its log line and
// figures tell it.
type fastExchange struct {
	start   time.Time
	id      string
	dyno    string
	code    routerCode
	status  int
	bytes   int64
	connect time.Duration
}

// proxy serves one request the fast path takes. It sets fc.closeIt when
// the connection must close after it.
func (fp *FastPath) proxy(fc *fastConn, rt *route) {
	h := &fc.head
	ex := fastExchange{start: time.Now(), id: requestIDBytes(h.requestID)}
	l, o := fp.router.requestLog.Load(), fp.router.observer.Load()
	if o != nil {
		(*o).RequestStarted(rt.app)
	}
	fc.closeIt = h.closes
	fp.exchange(fc, rt, &ex)
	if l != nil {
		f := lineFields{method: string(h.method), uri: string(h.target), host: fc.host, ip: fc.ip}
		for _, v := range h.fwd {
			f.fwd = append(f.fwd, string(v))
		}
		var buf [512]byte
		line := appendRouterLine(buf[:0], &f, ex.code, ex.id, ex.dyno, time.Since(ex.start), ex.connect, ex.status, ex.bytes)
		(*l).RouterLine(rt.app, string(line))
	}
	if o != nil {
		typ, _, _ := strings.Cut(ex.dyno, ".")
		(*o).RequestDone(rt.app, typ, ex.status, ex.code.code, time.Since(ex.start))
	}
}

func (fp *FastPath) exchange(fc *fastConn, rt *route, ex *fastExchange) {
	h := &fc.head
	n := max(h.contentLength, 0)
	if n > 0 {
		if err := fp.readBody(fc, n); err != nil {
			// The client stopped sending: nothing went to the app.
			ex.code, ex.status, fc.closeIt = codeClientCancelled, statusClientClosedRequest, true
			return
		}
	}
	out := appendOutbound(fc.out[:0], h, fc.host, fc.ip, ex.id, n)
	out = append(out, fc.body[:n]...)
	fc.out = out[:0]
	bc, m, err := fp.send(fc, rt.balancer, out, n, ex)
	if err != nil {
		fp.answerError(fc, rt.app, err, ex)
		return
	}
	fp.relay(fc, bc, ex)
	m.target.release()
}

// readBody reads the request's body into fc.body; it may pause BodyIdle
// between reads.
func (fp *FastPath) readBody(fc *fastConn, n int64) error {
	if int64(cap(fc.body)) < n {
		fc.body = make([]byte, n, max(n, 4<<10))
	}
	fc.body = fc.body[:n]
	for got := 0; got < int(n); {
		fc.conn.SetReadDeadline(time.Now().Add(fp.opts.BodyIdle))
		k, err := fc.br.Read(fc.body[got:n])
		got += k
		if err != nil && got < int(n) {
			return err
		}
	}
	return nil
}

// headersOwned are the request headers the router writes itself, or, hop
// by hop, does not pass on (ReverseProxy's list).
var headersOwned = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
	"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port", headerRequestID,
}

// appendOutbound appends the request's head as the app gets it: the
// client's, less the hop-by-hop headers, with the forwarding headers and
// the request id set as ReverseProxy sets them.
func appendOutbound(b []byte, h *requestHead, host, ip, id string, n int64) []byte {
	b = append(b, h.method...)
	b = append(b, ' ')
	b = append(b, h.target...)
	b = append(b, " HTTP/1.1\r\n"...)
	for _, f := range h.fields {
		if namedIn(f.name, headersOwned, h.hop) {
			continue
		}
		b = append(b, f.name...)
		b = append(b, ": "...)
		b = append(b, f.value...)
		b = append(b, "\r\n"...)
	}
	if h.trailersTE {
		b = append(b, "Te: trailers\r\n"...)
	}
	b = append(b, "X-Forwarded-For: "...)
	for _, v := range h.fwd {
		b = append(b, v...)
		b = append(b, ", "...)
	}
	b = append(b, ip...)
	b = append(b, "\r\nX-Forwarded-Host: "...)
	b = append(b, h.host...)
	b = append(b, "\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: "...)
	if p := port(host); p != "" {
		b = append(b, p...)
	} else {
		b = append(b, "80"...)
	}
	b = append(b, "\r\nX-Request-Id: "...)
	b = append(b, id...)
	b = append(b, "\r\n"...)
	// http.Request.Write's rule: a length for a body, and a zero one for
	// the methods servers expect one of.
	if m := string(h.method); n > 0 || m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch {
		b = append(b, "Content-Length: "...)
		b = appendInt(b, n)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// send sends the request to the app's backends in turn, as the balancer
// does (see each); the member returned holds it in flight until release.
func (fp *FastPath) send(fc *fastConn, b *balancer, out []byte, n int64, ex *fastExchange) (*backendConn, *member, error) {
	var bc *backendConn
	m, err := b.each(func(m *member, _ bool) error {
		ex.dyno = m.dyno()
		var err error
		bc, err = fp.roundTrip(fc, m.Addr, out, n, ex)
		return err
	})
	return bc, m, err
}

// roundTrip writes the request to addr, on a kept-alive connection or a
// new one, and reads the response's head into fc.resp. A kept-alive
// connection the app closed while it was idle is retried on another, as
// backendClient does, when the request has no body.
func (fp *FastPath) roundTrip(fc *fastConn, addr string, out []byte, n int64, ex *fastExchange) (*backendConn, error) {
	pool := &fp.router.upstream.client.pool
	for {
		bc := pool.get(addr)
		if bc == nil {
			start := time.Now()
			conn, err := fp.router.upstream.dial(context.Background(), "tcp", addr)
			ex.connect += time.Since(start)
			if err != nil {
				return nil, err
			}
			bc = &backendConn{addr: addr, conn: conn, src: limitedReader{r: conn, n: -1}}
			bc.br = bufio.NewReaderSize(&bc.src, 4<<10)
			bc.bw = bufio.NewWriterSize(conn, 4<<10) // for backendClient, which shares the pool
		}
		if _, err := bc.conn.Write(out); err != nil {
			bc.close()
			if bc.reused && n == 0 {
				continue // the app cannot have seen a whole request
			}
			return nil, err
		}
		err := fp.readResponseHead(fc, bc)
		if err == nil {
			return bc, nil
		}
		bc.close()
		if errors.Is(err, errBackendClosed) && n == 0 && replayableHead(&fc.head) {
			continue
		}
		return nil, err
	}
}

// replayableHead is replayable for a request head.
func replayableHead(h *requestHead) bool {
	switch string(h.method) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	for _, f := range h.fields {
		if bytes.EqualFold(f.name, []byte("Idempotency-Key")) || bytes.EqualFold(f.name, []byte("X-Idempotency-Key")) {
			return true
		}
	}
	return false
}

// responseHead is a response's head from the app, in fc.resp.
type responseHead struct {
	raw           []byte
	status        int
	fields        []field
	contentLength int64 // -1: none
	chunked       bool
	closes        bool // the app closes the connection after it
	hasDate       bool
	hop           [][]byte
}

// readResponseHead waits for the app's response, at most the router's
// timeout and only while the client stays, then reads its head, passing
// interim (1xx) responses on to the client.
func (fp *FastPath) readResponseHead(fc *fastConn, bc *backendConn) error {
	deadline := time.Now().Add(fp.router.upstream.timeout())
	for {
		step := time.Now().Add(clientCheckInterval)
		if step.After(deadline) {
			step = deadline
		}
		bc.conn.SetReadDeadline(step)
		_, err := bc.br.Peek(1)
		if err == nil {
			break
		}
		if isTimeout(err) && time.Now().Before(deadline) {
			if peerClosed(fc.conn) {
				return errClientGone
			}
			continue
		}
		if bc.reused && !isTimeout(err) {
			return fmt.Errorf("%w: %w", errBackendClosed, err)
		}
		return err
	}
	bc.conn.SetReadDeadline(deadline)
	bc.src.n = maxResponseHeaderBytes
	defer func() { bc.src.n = -1 }()
	for {
		r := &fc.resp
		if err := readResponseHeadOnce(bc.br, r); err != nil {
			return err
		}
		switch {
		case r.status == http.StatusSwitchingProtocols:
			return errors.New("backend switched protocols without being asked to")
		case r.status < 100 || r.status > 999:
			return fmt.Errorf("%w: %d", errBadResponse, r.status)
		case r.status >= 200:
			return nil
		}
		// An interim response (103 Early Hints) goes to the client as it
		// came, as ReverseProxy forwards it; in a buffer of its own, as
		// fc.out still holds the request.
		b := appendStatus(make([]byte, 0, 256), r.status, []byte(statusText(r.status)))
		for _, f := range r.fields {
			if !namedIn(f.name, responseHeadersDropped, r.hop) && !bytes.EqualFold(f.name, []byte("Trailer")) {
				b = appendField(b, f.name, f.value)
			}
		}
		b = append(b, "\r\n"...)
		if _, err := fc.conn.Write(b); err != nil {
			return errClientGone
		}
	}
}

var errMalformedResponse = errors.New("malformed HTTP response")

// readResponseHeadOnce reads one response head, interim or final.
func readResponseHeadOnce(br *bufio.Reader, r *responseHead) error {
	r.raw, r.fields, r.hop = r.raw[:0], r.fields[:0], r.hop[:0]
	r.contentLength, r.chunked, r.closes, r.hasDate = -1, false, false, false
	var ends [32]int
	var lines []int
	var err error
	// The bound on its size is bc.src's: errHeaderTooLarge.
	if r.raw, lines, err = readHeadLines(br, r.raw, ends[:0], 0, false); err != nil {
		return err
	}
	if len(lines) == 0 {
		return errMalformedResponse
	}
	start := 0
	minor := 1
	var te int
	for i, end := range lines {
		line := trimEOL(r.raw[start:end])
		start = end
		if i == 0 {
			proto, rest, _ := bytes.Cut(line, []byte(" "))
			code, _, _ := bytes.Cut(rest, []byte(" "))
			switch {
			case string(proto) == "HTTP/1.1":
			case string(proto) == "HTTP/1.0":
				minor = 0
			default:
				return fmt.Errorf("%w: version %q", errMalformedResponse, proto)
			}
			if len(code) != 3 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' || code[2] < '0' || code[2] > '9' {
				return fmt.Errorf("%w: status %q", errMalformedResponse, code)
			}
			r.status = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
			continue
		}
		name, value, err := splitField(line)
		if err != nil {
			return fmt.Errorf("%w: %w: %q", errMalformedResponse, err, line)
		}
		r.fields = append(r.fields, field{name, value})
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := parseLength(value)
			if err != nil || (r.contentLength >= 0 && n != r.contentLength) {
				return fmt.Errorf("%w: Content-Length %q", errMalformedResponse, value)
			}
			r.contentLength = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			te++
			if te > 1 || !bytes.EqualFold(value, []byte("chunked")) {
				return fmt.Errorf("%w: unsupported Transfer-Encoding %q", errMalformedResponse, value)
			}
			r.chunked = true
		case bytes.EqualFold(name, []byte("Connection")):
			r.closes = r.closes || hasToken(value, "close")
			if minor == 0 && hasToken(value, "keep-alive") {
				minor = 1 // kept alive after all
			}
			r.hop = appendTokens(r.hop, value)
		case bytes.EqualFold(name, []byte("Date")):
			r.hasDate = true
		}
	}
	if minor == 0 {
		r.closes = true
	}
	if r.chunked {
		r.contentLength = -1 // chunked wins, as net/http has it
	}
	return nil
}

// responseHeadersDropped are the hop-by-hop headers of a response
// (ReverseProxy's list), and those the router writes itself.
var responseHeadersDropped = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Transfer-Encoding", "Upgrade", "Content-Length", headerRequestID,
}

// relay sends the app's response to the client: its head as the router
// rewrites it, then its body by its framing, written out whenever the
// app's side has nothing more to read yet, so a slow body streams. The
// backend connection goes back to the pool when the response ended cleanly.
func (fp *FastPath) relay(fc *fastConn, bc *backendConn, ex *fastExchange) {
	r := &fc.resp
	h := &fc.head
	noBody := string(h.method) == http.MethodHead || r.status == http.StatusNoContent || r.status == http.StatusNotModified
	untilClose := !noBody && !r.chunked && r.contentLength < 0
	ex.status = r.status
	b := appendStatus(fc.out[:0], r.status, []byte(statusText(r.status)))
	for _, f := range r.fields {
		if namedIn(f.name, responseHeadersDropped, r.hop) ||
			(r.status == http.StatusNotModified && bytes.EqualFold(f.name, []byte("Content-Type"))) {
			continue
		}
		b = appendField(b, f.name, f.value)
	}
	b = append(b, "X-Request-Id: "...)
	b = append(b, ex.id...)
	b = append(b, "\r\n"...)
	switch {
	case r.chunked || untilClose:
		if !noBody {
			b = append(b, "Transfer-Encoding: chunked\r\n"...)
		}
	case r.contentLength >= 0 && r.status != http.StatusNoContent && r.status != http.StatusNotModified:
		// (net/http's server drops a length from 204 and 304, and the
		// type from 304, as RFC 9110 has it.)
		b = append(b, "Content-Length: "...)
		b = appendInt(b, r.contentLength)
		b = append(b, "\r\n"...)
	}
	if !r.hasDate {
		b = append(b, "Date: "...)
		b = appendDate(b)
		b = append(b, "\r\n"...)
	}
	if fc.closeIt || fp.closing.Load() {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "\r\n"...)
	rl := responseRelay{fc: fc, bc: bc, out: b}
	var err error
	// The head of a body of unknown length goes at once, as ReverseProxy
	// flushes it; one of declared length goes with the body's first bytes.
	switch {
	case noBody:
	case r.chunked:
		if err = rl.flush(); err == nil {
			err = rl.chunked()
		}
	case untilClose:
		if err = rl.flush(); err == nil {
			err = rl.untilClose()
		}
	default:
		err = rl.length(r.contentLength)
	}
	if err == nil {
		err = rl.flush()
	}
	fc.out = rl.out[:0]
	ex.bytes = rl.bytes
	if err != nil {
		// The response cannot be finished: the client's connection
		// closes, as net/http aborts a response.
		if errors.Is(err, errClientGone) && ex.code.code == "" {
			fp.router.log.Debug("client closed request", "host", fc.host, "err", err)
		}
		fc.closeIt = true
		bc.close()
		return
	}
	if !r.closes && !untilClose && bc.br.Buffered() == 0 {
		fp.router.upstream.client.pool.put(bc)
		return
	}
	bc.close()
}

// responseRelay copies one response body from the app to the client.
type responseRelay struct {
	fc    *fastConn
	bc    *backendConn
	out   []byte // bytes for the client not yet written
	bytes int64  // body bytes relayed
}

func (rl *responseRelay) flush() error {
	if len(rl.out) == 0 {
		return nil
	}
	_, err := rl.fc.conn.Write(rl.out)
	rl.out = rl.out[:0]
	if err != nil {
		return fmt.Errorf("%w: %w", errClientGone, err)
	}
	return nil
}

// read reads up to len(p) body bytes from the app into p: what is
// buffered, else whatever comes next, while the client stays.
func (rl *responseRelay) read(p []byte) (int, error) {
	if rl.bc.br.Buffered() > 0 {
		return rl.bc.br.Read(p)
	}
	for {
		rl.bc.conn.SetReadDeadline(time.Now().Add(clientCheckInterval))
		n, err := rl.bc.conn.Read(p)
		if n > 0 || err == nil || !isTimeout(err) {
			return n, err
		}
		if peerClosed(rl.fc.conn) {
			return 0, errClientGone
		}
	}
}

// wait waits until the app has sent more, for reading a line.
func (rl *responseRelay) wait() error {
	if rl.bc.br.Buffered() > 0 {
		return nil
	}
	if err := rl.flush(); err != nil {
		return err
	}
	for {
		rl.bc.conn.SetReadDeadline(time.Now().Add(clientCheckInterval))
		_, err := rl.bc.br.Peek(1)
		if err == nil {
			rl.bc.conn.SetReadDeadline(time.Time{})
			return nil
		}
		if !isTimeout(err) {
			return err
		}
		if peerClosed(rl.fc.conn) {
			return errClientGone
		}
	}
}

// length relays a body of n bytes, reading into the free end of out.
func (rl *responseRelay) length(n int64) error {
	for n > 0 {
		// Out before waiting on the app, once there is body to send.
		if (rl.bc.br.Buffered() == 0 && rl.bytes > 0) || cap(rl.out)-len(rl.out) < 2<<10 {
			if err := rl.flush(); err != nil {
				return err
			}
		}
		free := rl.out[len(rl.out):cap(rl.out)]
		if int64(len(free)) > n {
			free = free[:n]
		}
		k, err := rl.read(free)
		rl.out = rl.out[:len(rl.out)+k]
		rl.bytes += int64(k)
		n -= int64(k)
		if err != nil && n > 0 {
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// line reads one line of the chunked framing, without its end.
func (rl *responseRelay) line() ([]byte, error) {
	if err := rl.wait(); err != nil {
		return nil, err
	}
	line, err := rl.bc.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return trimEOL(line), nil
}

// chunked relays a chunked body chunk by chunk, trailers included.
func (rl *responseRelay) chunked() error {
	for {
		line, err := rl.line()
		if err != nil {
			return err
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return err
		}
		if size == 0 {
			rl.out = append(rl.out, "0\r\n"...)
			for {
				line, err := rl.line()
				if err != nil {
					return err
				}
				if len(line) == 0 {
					rl.out = append(rl.out, "\r\n"...)
					return nil
				}
				name, value, ok := bytes.Cut(line, []byte(":"))
				if !ok || !isTokenBytes(name) {
					return fmt.Errorf("%w: trailer line %q", errMalformedResponse, line)
				}
				rl.out = appendField(rl.out, name, bytes.Trim(value, " \t"))
			}
		}
		rl.out = strconv.AppendInt(rl.out, size, 16)
		rl.out = append(rl.out, "\r\n"...)
		if err := rl.length(size); err != nil {
			return err
		}
		if err := rl.wait(); err != nil {
			return err
		}
		end, err := rl.bc.br.ReadSlice('\n')
		if err != nil || !bytes.Equal(end, []byte("\r\n")) {
			return fmt.Errorf("%w: chunk not followed by CRLF", errMalformedResponse)
		}
		rl.out = append(rl.out, "\r\n"...)
	}
}

// parseChunkSize parses a chunk-size line, extensions dropped.
func parseChunkSize(line []byte) (int64, error) {
	line, _, _ = bytes.Cut(line, []byte(";"))
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 15 {
		return 0, fmt.Errorf("%w: chunk size %q", errMalformedResponse, line)
	}
	n, err := strconv.ParseInt(string(line), 16, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: chunk size %q", errMalformedResponse, line)
	}
	return n, nil
}

// untilClose relays a body that ends when the app closes the connection,
// as chunks, so the client's connection stays open.
func (rl *responseRelay) untilClose() error {
	buf := rl.fc.body[:cap(rl.fc.body)]
	if len(buf) < bufferSize {
		buf = make([]byte, bufferSize)
		rl.fc.body = buf[:0]
	}
	for {
		if rl.bc.br.Buffered() == 0 {
			if err := rl.flush(); err != nil {
				return err
			}
		}
		k, err := rl.read(buf)
		if k > 0 {
			rl.out = strconv.AppendInt(rl.out, int64(k), 16)
			rl.out = append(rl.out, "\r\n"...)
			rl.out = append(rl.out, buf[:k]...)
			rl.out = append(rl.out, "\r\n"...)
			rl.bytes += int64(k)
			if len(rl.out) >= bufferSize {
				if err := rl.flush(); err != nil {
					return err
				}
			}
		}
		if errors.Is(err, io.EOF) {
			rl.out = append(rl.out, "0\r\n\r\n"...)
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// answerError answers a request the app could not be asked or did not
// answer, as balancer.handleError does on the other path.
func (fp *FastPath) answerError(fc *fastConn, app string, err error, ex *fastExchange) {
	if errors.Is(err, errClientGone) {
		fp.router.log.Debug("client closed request", "host", fc.host, "path", string(fc.head.target), "err", err)
		ex.code, ex.status, fc.closeIt = codeClientCancelled, statusClientClosedRequest, true
		return
	}
	status, code, msg := fp.router.proxyError(app, err)
	fp.router.log.Warn("proxy request failed", "code", code.code, "status", status, "host", fc.host,
		"path", string(fc.head.target), "request_id", ex.id, "err", err)
	ex.code, ex.status = code, status
	head := string(fc.head.method) == http.MethodHead
	b := appendTextResponse(fc.out[:0], status, ex.id, msg+"\n", fc.closeIt || fp.closing.Load(), head)
	if !head {
		ex.bytes = int64(len(msg) + 1)
	}
	if _, err := fc.conn.Write(b); err != nil {
		fc.closeIt = true
	}
	fc.out = b[:0]
}

// appendTextResponse appends a whole response the router answers itself,
// as http.Error writes one: msg as plain text (no body to HEAD), with the
// request's id if it has one, and Connection: close when it closes.
func appendTextResponse(b []byte, status int, id, msg string, closes, head bool) []byte {
	b = appendStatus(b, status, []byte(statusText(status)))
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"...)
	if id != "" {
		b = append(b, "X-Request-Id: "...)
		b = append(b, id...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Date: "...)
	b = appendDate(b)
	b = append(b, "\r\nContent-Length: "...)
	b = appendInt(b, int64(len(msg)))
	if closes {
		b = append(b, "\r\nConnection: close"...)
	}
	b = append(b, "\r\n\r\n"...)
	if !head {
		b = append(b, msg...)
	}
	return b
}

func appendField(b, name, value []byte) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// statusText is the reason phrase net/http writes for code.
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "status code " + strconv.Itoa(code)
}

// requestIDBytes is requestID for the fast path's header bytes.
func requestIDBytes(id []byte) string {
	if len(id) >= 20 && len(id) <= 200 {
		if s := string(id); validRequestID(s) {
			return s
		}
	}
	return newRequestID()
}

// dateCache holds the Date header of the current second.
var dateCache atomic.Pointer[dateOf]

type dateOf struct {
	sec  int64
	text []byte
}

func appendDate(b []byte) []byte {
	now := time.Now()
	d := dateCache.Load()
	if d == nil || d.sec != now.Unix() {
		d = &dateOf{sec: now.Unix(), text: now.UTC().AppendFormat(nil, http.TimeFormat)}
		dateCache.Store(d)
	}
	return append(b, d.text...)
}
