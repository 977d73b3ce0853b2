package router

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// The router's backendClient is a hand-written HTTP/1.1 client, which every
// request to every app goes through. FuzzBackendClientMatchesTransport sends
// the same generated exchanges, two requests on one kept-alive connection,
// through it and through http.Transport to a scripted backend, and compares
// what the app saw of each request and what the client got of each
// response: status, headers, body, trailers, and whether it failed.
//
// Where the two differ by design, the exchange is left out of the
// comparison rather than normalised, and the reason is written here:
//   - 101 Switching Protocols unasked: backendClient refuses it (a bodyless
//     request that asked for no upgrade cannot be switched); Transport hands
//     back a 101 response.
//   - A body after a response that cannot have one (to HEAD, 204, 304),
//     which HTTP forbids: backendClient never reuses a connection with
//     bytes left on it, while http.Transport may send the next request on
//     it before it notices them, and then fails that request: a race. The
//     scripts send no such body (the fuzzer found the 204 case).
//
// How each failed is not compared, only that both did: the two word their
// errors differently.

// framings of a scripted response's body.
const (
	frameLength     = iota // Content-Length: len(body)
	frameChunked           // Transfer-Encoding: chunked, with a trailer
	frameUntilClose        // no length: the body ends when the backend closes
	frameShortBody         // Content-Length larger than the body, then close
	frameTwoLengths        // two different Content-Length headers
	frameBadChunk          // a chunk size that is not hex
	frameEarlyHints        // 103 Early Hints, then a Content-Length response
	frameNoBodyCode        // 204 or 304 with a Content-Length and no body
	frameCount
)

var fuzzMethods = []string{"GET", "HEAD", "DELETE", "OPTIONS", "PURGE", "POST", "PUT"}

// exchangeScript is one generated request and the backend's raw answer to
// it.
type exchangeScript struct {
	method, target string
	header         http.Header
	response       []byte
	closes         bool // the backend closes the connection after answering
}

func makeScript(method byte, path, hname, hvalue string, status uint16, extra string, body []byte, framing byte) exchangeScript {
	s := exchangeScript{method: fuzzMethods[int(method)%len(fuzzMethods)], header: http.Header{}}
	s.target = "/" + strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f || r == '#' || r == '%' {
			return -1
		}
		return r
	}, path)
	if isToken(hname) && validHeaderValue(hvalue) && !hopHeader(hname) {
		s.header.Set(hname, hvalue)
	}

	code := int(status) % 1000
	if code == http.StatusSwitchingProtocols {
		code = http.StatusOK // refused by design: see the top of this file
	}
	var b bytes.Buffer
	f := int(framing) % frameCount
	if f == frameEarlyHints {
		b.WriteString("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
		if code < 200 {
			code = 200
		}
	}
	if f == frameNoBodyCode && s.method != http.MethodHead {
		code = []int{http.StatusNoContent, http.StatusNotModified}[len(body)%2]
	}
	if s.method == http.MethodHead || code == http.StatusNoContent || code == http.StatusNotModified {
		f = frameNoBodyCode // the headers only, whatever they say of a body
	}
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	for _, line := range strings.Split(extra, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok && isToken(name) && validHeaderValue(value) && !hopHeader(name) && !strings.EqualFold(name, "Trailer") {
			fmt.Fprintf(&b, "%s:%s\r\n", name, value)
		}
	}
	switch f {
	case frameLength, frameEarlyHints:
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
		b.Write(body)
	case frameChunked:
		b.WriteString("Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n")
		for rest := body; len(rest) > 0; {
			n := min(len(rest), 1+len(rest)/3)
			fmt.Fprintf(&b, "%x\r\n%s\r\n", n, rest[:n])
			rest = rest[n:]
		}
		fmt.Fprintf(&b, "0\r\nX-Checksum: %d\r\n\r\n", len(body))
	case frameUntilClose:
		b.WriteString("Connection: close\r\n\r\n")
		b.Write(body)
		s.closes = true
	case frameShortBody:
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body)+5)
		b.Write(body)
		s.closes = true
	case frameTwoLengths:
		fmt.Fprintf(&b, "Content-Length: %d\r\nContent-Length: %d\r\n\r\n", len(body), len(body)+1)
		b.Write(body)
		s.closes = true
	case frameBadChunk:
		b.WriteString("Transfer-Encoding: chunked\r\n\r\nzz\r\n")
		b.Write(body)
		s.closes = true
	case frameNoBodyCode:
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	}
	if code < 200 { // an interim status with nothing after it
		s.closes = true
	}
	s.response = b.Bytes()
	return s
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r >= 0x7f || r <= ' ' || strings.ContainsRune(`()<>@,;:\"/[]?={}`, r) {
			return false
		}
	}
	return true
}

func validHeaderValue(s string) bool {
	for _, r := range s {
		if r < ' ' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// hopHeader names the headers that say how a message is framed or the
// connection kept: the script sets those itself.
func hopHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "Keep-Alive", "Te", "Host", "Proxy-Connection":
		return true
	}
	return false
}

// seenRequest is what the app saw of one request.
type seenRequest struct {
	Method, RequestURI, Host string
	Header                   http.Header
	BodyLen                  int
}

// scriptedBackend answers the n-th request it gets, on whichever
// connection, with scripts[n], and records what it saw: so whether a client
// reuses a connection or dials a new one changes nothing the app answers.
type scriptedBackend struct {
	addr  string
	mu    sync.Mutex
	seen  []seenRequest
	conns []net.Conn
}

func newScriptedBackend(t *testing.T, scripts []exchangeScript) *scriptedBackend {
	t.Helper()
	// A Unix socket rather than TCP: the fuzzer makes thousands of
	// connections a second, which over TCP would use up the machine's
	// ports in TIME_WAIT within seconds; the HTTP on it is the same.
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "backend.sock"))
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	b := &scriptedBackend{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); b.closeAll(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.conns = append(b.conns, conn)
			b.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					n, _ := io.Copy(io.Discard, req.Body)
					b.mu.Lock()
					b.seen = append(b.seen, seenRequest{req.Method, req.RequestURI, req.Host, req.Header, int(n)})
					i := len(b.seen) - 1
					b.mu.Unlock()
					if i >= len(scripts) {
						return
					}
					if _, err := conn.Write(scripts[i].response); err != nil || scripts[i].closes {
						return
					}
				}
			}()
		}
	}()
	return b
}

func (b *scriptedBackend) closeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.conns {
		c.Close()
	}
	b.conns = nil
}

// dialUnix dials the backend's socket whatever address the client asks
// for.
func dialUnix(path string) func(ctx context.Context, _, _ string) (net.Conn, error) {
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}
}

func (b *scriptedBackend) requests() []seenRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]seenRequest(nil), b.seen...)
}

// gotResponse is what a client got of one response.
type gotResponse struct {
	Failed        bool
	Status        int
	Header        http.Header
	Body          string
	BodyFailed    bool
	Trailer       http.Header
	ContentLength int64
}

// exchangeAll sends the scripts' requests one after the other through rt and
// records what came back; it stops after the first failure.
func exchangeAll(rt http.RoundTripper, scripts []exchangeScript) []gotResponse {
	var got []gotResponse
	for _, s := range scripts {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, err := http.NewRequestWithContext(ctx, s.method, "http://backend:5000"+s.target, nil)
		if err != nil {
			cancel()
			return got
		}
		req.Host = "hello.localhost"
		req.Header = s.header.Clone()
		resp, err := rt.RoundTrip(req)
		if err != nil {
			cancel()
			return append(got, gotResponse{Failed: true})
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		got = append(got, gotResponse{Status: resp.StatusCode, Header: resp.Header, Body: string(body),
			BodyFailed: err != nil, Trailer: resp.Trailer, ContentLength: resp.ContentLength})
		if err != nil {
			return got
		}
	}
	return got
}

func FuzzBackendClientMatchesTransport(f *testing.F) {
	type seed struct {
		method                     byte
		path, hname, hvalue        string
		status                     uint16
		extra                      string
		body                       []byte
		framing, method2, framing2 byte
	}
	for _, s := range []seed{
		{0, "", "Accept", "text/html", 100, "Content-Type: text/plain", []byte("hello"), frameLength, 0, frameLength},
		{0, "a/b?c=d", "X-Request-Id", "abc", 100, "Set-Cookie: a=1\nSet-Cookie: b=2", []byte("chunked body here"), frameChunked, 0, frameChunked},
		{1, "", "", "", 100, "", []byte("not sent for HEAD"), frameLength, 0, frameLength},
		{0, "x", "", "", 104, "", []byte("gone"), frameNoBodyCode, 0, frameLength},
		{0, "x", "", "", 204, "", []byte("body"), frameNoBodyCode, 0, frameLength},
		{0, "", "", "", 100, "", []byte("early"), frameEarlyHints, 0, frameLength},
		{0, "", "", "", 100, "", []byte("until close"), frameUntilClose, 0, frameLength},
		{0, "", "", "", 100, "", []byte("short"), frameShortBody, 0, frameLength},
		{0, "", "", "", 100, "", []byte("two lengths"), frameTwoLengths, 0, frameLength},
		{0, "", "", "", 100, "", []byte("bad chunk"), frameBadChunk, 0, frameLength},
		{2, "items/7", "If-Match", `"v1"`, 304, "", nil, frameLength, 3, frameChunked},
		{4, "cache", "", "", 100, "content-type: a\nX-Odd-Case: 1\nx-odd-case: 2", []byte{0, 1, 2, 0xff}, frameLength, 1, frameLength},
		{0, "", "", "", 0, "", nil, frameLength, 0, frameLength},
		{0, "", "", "", 400, "", []byte("x"), frameLength, 0, frameUntilClose},
		{0, "", "", "", 0, "Bad Header Line", []byte("x"), frameLength, 0, frameLength},
	} {
		f.Add(s.method, s.path, s.hname, s.hvalue, s.status, s.extra, s.body, s.framing, s.method2, s.framing2)
	}
	f.Fuzz(func(t *testing.T, method byte, path, hname, hvalue string, status uint16, extra string, body []byte, framing, method2, framing2 byte) {
		if len(body) > 64<<10 || len(extra) > 4<<10 || len(path) > 1<<10 {
			return
		}
		scripts := []exchangeScript{
			makeScript(method, path, hname, hvalue, status, extra, body, framing),
			makeScript(method2, path+"2", hname, hvalue, status+1, extra, append([]byte("second "), body...), framing2),
		}

		ours := newScriptedBackend(t, scripts)
		client := newTestClient(5 * time.Second)
		client.dial = dialUnix(ours.addr)
		t.Cleanup(func() { client.pool.closeIdle() })
		gotOurs := exchangeAll(client, scripts)

		theirs := newScriptedBackend(t, scripts)
		transport := &http.Transport{DisableCompression: true, ResponseHeaderTimeout: 5 * time.Second, DialContext: dialUnix(theirs.addr)}
		t.Cleanup(transport.CloseIdleConnections)
		gotTheirs := exchangeAll(transport, scripts)

		if !reflect.DeepEqual(gotOurs, gotTheirs) {
			t.Errorf("the client got\n%+v\nhttp.Transport got\n%+v\nfor the responses\n%q", gotOurs, gotTheirs, [][]byte{scripts[0].response, scripts[1].response})
		}
		seenOurs, seenTheirs := ours.requests(), theirs.requests()
		if !reflect.DeepEqual(seenOurs, seenTheirs) {
			t.Errorf("the app saw\n%+v\nfrom the client and\n%+v\nfrom http.Transport", seenOurs, seenTheirs)
		}
	})
}
