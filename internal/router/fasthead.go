package router

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// maxRequestHeadBytes bounds a request's head on the fast path, as
// net/http's DefaultMaxHeaderBytes bounds it on the other.
const maxRequestHeadBytes = 1 << 20

// requestHead is a request's head as the client sent it. raw holds its
// bytes, which a handoff replays to net/http; the other byte slices point
// into raw.
type requestHead struct {
	raw            []byte
	method, target []byte
	minor          int // HTTP/1.minor; -1 for any other version
	fields         []field
	host           []byte
	hasHost        bool
	contentLength  int64 // -1: no Content-Length
	chunked        bool  // Transfer-Encoding: chunked
	upgrade        bool  // Upgrade, or Connection: upgrade
	expect         bool
	closes         bool   // Connection: close
	trailersTE     bool   // TE: trailers
	requestID      []byte // the first X-Request-Id
	hop            [][]byte
}

// field is one header line: its name as sent and its value trimmed.
type field struct{ name, value []byte }

// headError is a request head the fast path refuses, with the status nginx
// answers it with.
type headError struct {
	status int
	why    string
}

func (e *headError) Error() string { return e.why }

var errHeadTooLarge = &headError{431, "request header fields too large"}

func badHead(why string) error { return &headError{400, why} }

func (h *requestHead) reset() {
	h.raw = h.raw[:0]
	h.method, h.target, h.host, h.requestID = nil, nil, nil, nil
	h.minor, h.contentLength = 0, -1
	h.fields = h.fields[:0]
	h.hop = h.hop[:0]
	h.hasHost, h.chunked, h.upgrade, h.expect, h.closes, h.trailersTE = false, false, false, false, false, false
}

// readRequestHead reads one request head from br into h and checks it
// as nginx does against request smuggling: it refuses a Content-Length
// with a Transfer-Encoding, a Transfer-Encoding on HTTP/1.0 or other than
// chunked (501), a second Content-Length or Host, obs-fold, control
// characters and a missing Host. Bare LF ends a line, as nginx accepts it.
// An I/O error comes back as it is; a refused head as a *headError.
func readRequestHead(br *bufio.Reader, h *requestHead) error {
	h.reset()
	var lines [64]int // where each line ends in raw, then more on the heap
	ends := lines[:0]
	for {
		start := len(h.raw)
		for {
			chunk, err := br.ReadSlice('\n')
			if len(h.raw)+len(chunk) > maxRequestHeadBytes {
				return errHeadTooLarge
			}
			h.raw = append(h.raw, chunk...)
			if err == nil {
				break
			}
			if err != bufio.ErrBufferFull {
				if len(h.raw) > 0 && errors.Is(err, io.EOF) {
					return badHead("the request ended inside its head")
				}
				return err
			}
		}
		line := trimEOL(h.raw[start:])
		if len(line) == 0 {
			if len(ends) == 0 {
				h.raw = h.raw[:start] // an empty line before the request line is skipped
				continue
			}
			break
		}
		ends = append(ends, len(h.raw))
	}
	start := 0
	for i, end := range ends {
		line := trimEOL(h.raw[start:end])
		start = end
		if i == 0 {
			if err := h.parseRequestLine(line); err != nil {
				return err
			}
			continue
		}
		if err := h.parseField(line); err != nil {
			return err
		}
	}
	switch {
	case h.minor == 1 && !h.hasHost:
		return badHead("missing Host header")
	case h.chunked && h.contentLength >= 0:
		return badHead("a request with both Content-Length and Transfer-Encoding")
	case h.chunked && h.minor == 0:
		return badHead("Transfer-Encoding on an HTTP/1.0 request")
	}
	return nil
}

// trimEOL strips "\n" or "\r\n" from a line.
func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}

func (h *requestHead) parseRequestLine(line []byte) error {
	method, rest, ok1 := bytes.Cut(line, []byte(" "))
	target, proto, ok2 := bytes.Cut(rest, []byte(" "))
	if !ok1 || !ok2 || len(method) == 0 || len(target) == 0 || !isTokenBytes(method) {
		return badHead("malformed request line")
	}
	for _, c := range target {
		if c <= ' ' || c == 0x7f {
			return badHead("malformed request target")
		}
	}
	h.method, h.target = method, target
	switch string(proto) {
	case "HTTP/1.1":
		h.minor = 1
	case "HTTP/1.0":
		h.minor = 0
	default:
		if !bytes.HasPrefix(proto, []byte("HTTP/")) {
			return badHead("malformed HTTP version")
		}
		h.minor = -1 // net/http answers it
	}
	return nil
}

func (h *requestHead) parseField(line []byte) error {
	if line[0] == ' ' || line[0] == '\t' {
		return badHead("obsolete line folding in the header")
	}
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok || !isTokenBytes(name) {
		return badHead("malformed header line")
	}
	value = bytes.Trim(value, " \t")
	for _, c := range value {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return badHead("a control character in a header value")
		}
	}
	h.fields = append(h.fields, field{name, value})
	switch {
	case bytes.EqualFold(name, []byte("Host")):
		if h.hasHost {
			return badHead("duplicate Host header")
		}
		if !httpguts.ValidHostHeader(string(value)) {
			return badHead("malformed Host header")
		}
		h.host, h.hasHost = value, true
	case bytes.EqualFold(name, []byte("Content-Length")):
		if h.contentLength >= 0 {
			return badHead("duplicate Content-Length header")
		}
		n, err := parseLength(value)
		if err != nil {
			return badHead("malformed Content-Length header")
		}
		h.contentLength = n
	case bytes.EqualFold(name, []byte("Transfer-Encoding")):
		if h.chunked || !bytes.EqualFold(value, []byte("chunked")) {
			return &headError{501, "unsupported Transfer-Encoding"}
		}
		h.chunked = true
	case bytes.EqualFold(name, []byte("Connection")):
		for tok := range bytes.SplitSeq(value, []byte(",")) {
			tok = bytes.Trim(tok, " \t")
			switch {
			case bytes.EqualFold(tok, []byte("close")):
				h.closes = true
			case bytes.EqualFold(tok, []byte("upgrade")):
				h.upgrade = true
			}
			if len(tok) > 0 {
				h.hop = append(h.hop, tok)
			}
		}
	case bytes.EqualFold(name, []byte("Upgrade")):
		h.upgrade = true
	case bytes.EqualFold(name, []byte("Expect")):
		h.expect = true
	case bytes.EqualFold(name, []byte("X-Request-Id")):
		if h.requestID == nil {
			h.requestID = value
		}
	case bytes.EqualFold(name, []byte("Te")):
		for tok := range bytes.SplitSeq(value, []byte(",")) {
			if bytes.EqualFold(bytes.Trim(tok, " \t"), []byte("trailers")) {
				h.trailersTE = true
			}
		}
	}
	return nil
}

var errBadLength = errors.New("malformed length")

// parseLength parses a Content-Length: decimal digits only, no sign.
func parseLength(v []byte) (int64, error) {
	if len(v) == 0 || len(v) > 18 {
		return 0, errBadLength
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, errBadLength
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// isTokenBytes reports whether b is an RFC 9110 token: a method or a
// header name.
func isTokenBytes(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !httpguts.IsTokenRune(rune(c)) {
			return false
		}
	}
	return true
}

// plainTarget reports whether net/http would pass the request target
// on exactly as it came: a path of characters that need no escaping, valid
// escapes, no fragment, and a query without semicolons (ReverseProxy
// re-encodes such a query, as Go parses ";" differently from other
// servers). The fast path hands the rest to net/http.
func plainTarget(t []byte) bool {
	inQuery := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '%':
			if i+2 >= len(t) || !isHex(t[i+1]) || !isHex(t[i+2]) {
				return false
			}
			i += 2
		case c == '?':
			inQuery = true
		case inQuery:
			if c == ';' || c == '#' {
				return false
			}
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.~!$&'()*+,;=:@[]/", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// appendStatus appends "HTTP/1.1 <code> <text>\r\n".
func appendStatus(b []byte, code int, reason []byte) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, reason...)
	return append(b, "\r\n"...)
}
