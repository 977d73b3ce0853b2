package router

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// RequestLog takes one line per proxied request, in the format of Heroku's
// router lines:
//
//	at=info method=GET path="/" host=hello.localhost request_id=... fwd="127.0.0.1" dyno=web.2 connect=0ms service=3ms status=200 bytes=512
//
// Requests the router answers itself carry Heroku's error code first:
// at=error code=H12 desc="Request timeout" method=... (same fields).
type RequestLog interface {
	// RouterLine is called on the request's goroutine once its response
	// is done, so it must not block.
	RouterLine(app, line string)
}

// Observer takes the figures of each proxied request, for metrics. Its
// methods are called on the request's goroutine, so they must not block.
type Observer interface {
	RequestStarted(app string)
	// RequestDone gives the process type that served it ("" when none
	// did), its status, the router's error code if it answered itself
	// (H12...), and the time from arrival to the end of the response.
	RequestDone(app, processType string, status int, code string, d time.Duration)
}

// SetObserver gives o the figures of every request from now on; nil none.
func (r *Router) SetObserver(o Observer) {
	if o == nil {
		r.observer.Store(nil)
		return
	}
	r.observer.Store(&o)
}

// SetRequestLog sends a line per request to l from now on; nil sends none.
// Requests to unknown hosts are logged by nobody: they have no app.
func (r *Router) SetRequestLog(l RequestLog) {
	if l == nil {
		r.requestLog.Store(nil)
		return
	}
	r.requestLog.Store(&l)
}

// exchange is one logged request on its way through the router. It is the
// request's context, so the balancer and the dialer below it can note the
// dyno and connect time on it without another allocation, and the client's
// ResponseWriter, so it sees the status and counts the bytes. Requests
// exist without one when no RequestLog is set.
type exchange struct {
	context.Context
	http.ResponseWriter
	start  time.Time
	id     string     // the X-Request-Id the app and the client see
	dyno   string     // the backend last tried
	code   routerCode // set when the router answered with an error
	status int
	bytes  int64
	// connect is the time spent dialing, in ns; the transport dials on
	// its own goroutine.
	connect atomic.Int64
}

type exchangeKey struct{}

// exchangeOf finds the exchange of a context the transport derived from a
// request's.
func exchangeOf(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

func (e *exchange) Value(key any) any {
	if _, ok := key.(exchangeKey); ok {
		return e
	}
	return e.Context.Value(key)
}

// serveLogged serves req through an exchange, and gives l its line and o
// its figures (either may be nil) once the response is done.
func serveLogged(l RequestLog, o Observer, w http.ResponseWriter, req *http.Request, rt *route) {
	e := &exchange{Context: req.Context(), ResponseWriter: w, start: time.Now(), id: requestID(req.Header)}
	if o != nil {
		o.RequestStarted(rt.app)
	}
	defer e.done(l, o, rt.app, req) // also when ReverseProxy aborts a response the client left
	rt.serve(e, req.WithContext(e))
}

func (e *exchange) done(l RequestLog, o Observer, app string, req *http.Request) {
	if l != nil {
		e.log(l, app, req)
	}
	if o != nil {
		status := e.status
		if status == 0 {
			status = http.StatusOK
		}
		typ, _, _ := strings.Cut(e.dyno, ".")
		o.RequestDone(app, typ, status, e.code.code, time.Since(e.start))
	}
}

// log sends the request's line to l.
func (e *exchange) log(l RequestLog, app string, req *http.Request) {
	var buf [512]byte
	l.RouterLine(app, string(e.appendLine(buf[:0], req)))
}

func (e *exchange) appendLine(b []byte, req *http.Request) []byte {
	f := lineFields{method: req.Method, uri: req.RequestURI, host: req.Host, fwd: req.Header["X-Forwarded-For"]}
	ip, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		ip = req.RemoteAddr
	}
	f.ip = ip
	return appendRouterLine(b, &f, e.code, e.id, e.dyno, time.Since(e.start), time.Duration(e.connect.Load()), e.status, e.bytes)
}

// lineFields is what a request log line tells of the request.
type lineFields struct {
	method, uri, host string
	fwd               []string // the X-Forwarded-For values the client sent
	ip                string   // the client's address
}

// appendRouterLine appends a request's log line; status 0 is net/http's
// 200 for a handler that wrote nothing.
func appendRouterLine(b []byte, f *lineFields, code routerCode, id, dyno string, total, connect time.Duration, status int, bytes int64) []byte {
	if code.code == "" {
		b = append(b, "at=info"...)
	} else {
		b = append(b, "at="...)
		b = append(b, code.at...)
		b = append(b, " code="...)
		b = append(b, code.code...)
		b = append(b, ` desc="`...)
		b = append(b, code.desc...)
		b = append(b, '"')
	}
	b = append(b, " method="...)
	b = append(b, f.method...)
	b = append(b, ` path="`...)
	b = appendEscaped(b, f.uri)
	b = append(b, `" host=`...)
	b = appendEscaped(b, f.host)
	b = append(b, " request_id="...)
	b = append(b, id...)
	b = append(b, ` fwd="`...)
	// The X-Forwarded-For the app was given: what earlier proxies sent,
	// then the client's address.
	for _, prior := range f.fwd {
		b = appendEscaped(b, prior)
		b = append(b, ", "...)
	}
	b = appendEscaped(b, f.ip)
	b = append(b, `" dyno=`...)
	b = append(b, dyno...)
	b = append(b, " connect="...)
	b = strconv.AppendInt(b, connect.Milliseconds(), 10)
	b = append(b, "ms service="...)
	b = strconv.AppendInt(b, max(total-connect, 0).Milliseconds(), 10)
	b = append(b, "ms status="...)
	if status == 0 {
		status = http.StatusOK
	}
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, " bytes="...)
	return strconv.AppendInt(b, bytes, 10)
}

// appendEscaped appends s with quotes, backslashes and control characters
// escaped, so that what a client sent cannot forge fields of a line.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < ' ' || c == 0x7f:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}

func (e *exchange) WriteHeader(status int) {
	if e.status == 0 && status >= 200 { // 1xx answers are interim
		e.status = status
	}
	e.ResponseWriter.WriteHeader(status)
}

func (e *exchange) Write(p []byte) (int, error) {
	if e.status == 0 {
		e.status = http.StatusOK
	}
	n, err := e.ResponseWriter.Write(p)
	e.bytes += int64(n)
	return n, err
}

// Hijack hands over the client connection for a protocol switch: the
// backend answered 101. Bytes that pass after it are not counted.
func (e *exchange) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(e.ResponseWriter).Hijack()
	if err == nil {
		e.status = http.StatusSwitchingProtocols
	}
	return conn, brw, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines.
func (e *exchange) Unwrap() http.ResponseWriter { return e.ResponseWriter }

// noteError puts a router error code on the request's log line.
// It looks through wrappers (streamWriter) by their Unwrap.
func noteError(w http.ResponseWriter, code routerCode) {
	for {
		if e, ok := w.(*exchange); ok {
			e.code = code
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// requestIDOf returns the id of req: the one its log line carries, else the
// client's if valid, else a new one.
func requestIDOf(req *http.Request) string {
	if e, ok := req.Context().(*exchange); ok {
		return e.id
	}
	return requestID(req.Header)
}
