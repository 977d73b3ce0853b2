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
	closes         bool     // Connection: close
	trailersTE     bool     // TE: trailers
	requestID      []byte   // the first X-Request-Id
	fwd            [][]byte // the X-Forwarded-For values, in order
	hop            [][]byte // the headers Connection names
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
	h.fields, h.fwd, h.hop = h.fields[:0], h.fwd[:0], h.hop[:0]
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
	var ends []int
	var err error
	h.raw, ends, err = readHeadLines(br, h.raw, lines[:0], maxRequestHeadBytes, true)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badHead("the request ended inside its head")
	case err != nil:
		return err
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

// readHeadLines reads a message head from br onto raw, line by line, up
// to the empty line that ends it, and returns raw with where each line
// ends in it. At most max bytes (0: no bound here); skipLeading skips
// empty lines before the first, as servers do for requests. A head cut
// short is io.ErrUnexpectedEOF.
func readHeadLines(br *bufio.Reader, raw []byte, ends []int, max int, skipLeading bool) ([]byte, []int, error) {
	for {
		start := len(raw)
		for {
			chunk, err := br.ReadSlice('\n')
			if max > 0 && len(raw)+len(chunk) > max {
				return raw, ends, errHeadTooLarge
			}
			raw = append(raw, chunk...)
			if err == nil {
				break
			}
			if err != bufio.ErrBufferFull {
				if len(raw) > 0 && errors.Is(err, io.EOF) {
					return raw, ends, io.ErrUnexpectedEOF
				}
				return raw, ends, err
			}
		}
		if len(trimEOL(raw[start:])) > 0 {
			ends = append(ends, len(raw))
			continue
		}
		if len(ends) == 0 && skipLeading {
			raw = raw[:start]
			continue
		}
		return raw, ends, nil
	}
}

// The ways a header line can be malformed, for splitField.
var (
	errFolded       = errors.New("obsolete line folding in the header")
	errFieldLine    = errors.New("malformed header line")
	errFieldControl = errors.New("a control character in a header value")
)

// splitField splits a header (or trailer) line into its name and its
// value, trimmed, refusing obs-fold, a name that is not a token and
// control characters in the value.
func splitField(line []byte) (name, value []byte, err error) {
	if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
		return nil, nil, errFolded
	}
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok || !isTokenBytes(name) {
		return nil, nil, errFieldLine
	}
	value = bytes.Trim(value, " \t")
	for _, c := range value {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return nil, nil, errFieldControl
		}
	}
	return name, value, nil
}

// appendTokens appends the comma-separated tokens of a header value, as
// Connection lists the headers that go no further.
func appendTokens(toks [][]byte, value []byte) [][]byte {
	for tok := range bytes.SplitSeq(value, []byte(",")) {
		if tok = bytes.Trim(tok, " \t"); len(tok) > 0 {
			toks = append(toks, tok)
		}
	}
	return toks
}

// hasToken reports whether a comma-separated header value holds tok.
func hasToken(value []byte, tok string) bool {
	for t := range bytes.SplitSeq(value, []byte(",")) {
		if bytes.EqualFold(bytes.Trim(t, " \t"), []byte(tok)) {
			return true
		}
	}
	return false
}

// namedIn reports whether a header name is one of names, or of listed.
func namedIn(name []byte, names []string, listed [][]byte) bool {
	for _, n := range names {
		if len(n) == len(name) && bytes.EqualFold(name, []byte(n)) {
			return true
		}
	}
	for _, n := range listed {
		if bytes.EqualFold(name, n) {
			return true
		}
	}
	return false
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
	name, value, err := splitField(line)
	if err != nil {
		return badHead(err.Error())
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
		h.closes = h.closes || hasToken(value, "close")
		h.upgrade = h.upgrade || hasToken(value, "upgrade")
		h.hop = appendTokens(h.hop, value)
	case bytes.EqualFold(name, []byte("X-Forwarded-For")):
		h.fwd = append(h.fwd, value)
	case bytes.EqualFold(name, []byte("Upgrade")):
		h.upgrade = true
	case bytes.EqualFold(name, []byte("Expect")):
		h.expect = true
	case bytes.EqualFold(name, []byte("X-Request-Id")):
		if h.requestID == nil {
			h.requestID = value
		}
	case bytes.EqualFold(name, []byte("Te")):
		h.trailersTE = h.trailersTE || hasToken(value, "trailers")
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
