package router

import (
	"context"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// maxIdlePerBackend is near the expected concurrency per backend; Go's
	// default of 2 churns connections into TIME_WAIT under load.
	maxIdlePerBackend = 100
	// dialTimeout bounds a connect to a local backend; one that has not
	// accepted by then is skipped like a refusing one.
	dialTimeout = 5 * time.Second
	// idleTimeout closes a kept-alive connection before the app does (Node's
	// default is 5 s): a request sent on a connection the app is closing fails,
	// and one with a body cannot be retried. A new local dial is cheap.
	idleTimeout = 4 * time.Second
	bufferSize  = 32 << 10
)

// upstream is what all apps' proxies share: one pool of connections to the
// backends and one pool of copy buffers.
type upstream struct {
	// dial connects to a backend; both paths and backendClient time it
	// for the log through timedDial.
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	client    *backendClient // requests without a body
	transport atomic.Pointer[http.Transport]
	buffers   bufferPool
	// errorLog takes ReverseProxy's own messages, which it logs only for
	// failures after the response started.
	errorLog *log.Logger
}

func newUpstream(timeout time.Duration, logger *slog.Logger) *upstream {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	return newUpstreamDialing(d.DialContext, timeout, logger)
}

// newUpstreamDialing is newUpstream dialing backends with dial (tests dial
// Unix sockets).
func newUpstreamDialing(dial func(ctx context.Context, network, addr string) (net.Conn, error), timeout time.Duration, logger *slog.Logger) *upstream {
	timed := timedDial(dial)
	u := &upstream{
		dial:     dial,
		client:   &backendClient{pool: connPool{idleTimeout: idleTimeout}, dial: timed},
		errorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	u.client.timeout.Store(int64(timeout))
	u.transport.Store(newTransport(timeout, timed))
	return u
}

func newTransport(timeout time.Duration, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	return &http.Transport{
		// Backends are local: an HTTP_PROXY in the daemon's environment must not apply.
		Proxy:                 nil,
		DialContext:           dial,
		MaxIdleConnsPerHost:   maxIdlePerBackend,
		IdleConnTimeout:       idleTimeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		// Pass the client's Accept-Encoding and the app's encoding through untouched.
		DisableCompression: true,
	}
}

// timedDial dials with d and adds the time taken to the connect time of the
// logged request that asked for the connection. A request reusing a
// kept-alive connection dials nothing and shows connect=0ms.
func timedDial(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		e := exchangeOf(ctx)
		if e == nil {
			return dial(ctx, network, addr)
		}
		start := time.Now()
		conn, err := dial(ctx, network, addr)
		e.connect.Add(int64(time.Since(start)))
		return conn, err
	}
}

// setTimeout swaps in a transport with the new header timeout; a field of a
// transport in use cannot be changed without a race.
func (u *upstream) setTimeout(d time.Duration) {
	u.client.timeout.Store(int64(d))
	t := u.transport.Load().Clone()
	t.ResponseHeaderTimeout = d
	old := u.transport.Swap(t)
	old.CloseIdleConnections()
}

// roundTrip sends req on the handler's goroutine if it has no body, else
// through http.Transport.
func (u *upstream) roundTrip(req *http.Request) (*http.Response, error) {
	if u.client.takes(req) {
		return u.client.RoundTrip(req)
	}
	return u.transport.Load().RoundTrip(req)
}

// newProxy returns the ReverseProxy for one balancer.
func (u *upstream) newProxy(b *balancer) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:   rewrite,
		Transport: b,
		// 0: ReverseProxy still flushes server-sent events and bodies of
		// unknown length at once, and streamWriter flushes incomplete
		// bodies of declared length; see stream.go.
		FlushInterval:  0,
		BufferPool:     &u.buffers,
		ModifyResponse: echoRequestID,
		ErrorHandler:   b.handleError,
		ErrorLog:       u.errorLog,
	}
}

// rewrite prepares the outbound request. The Host header stays the client's,
// as apps expect; the balancer fills in the backend address.
func rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL.Scheme = "http"
	setForwarded(pr)
	pr.Out.Header.Set(headerRequestID, requestIDOf(pr.In))
}

// bufferPool lends ReverseProxy 32 KiB copy buffers.
type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, bufferSize)
}

func (p *bufferPool) Put(b []byte) {
	if cap(b) < bufferSize {
		return
	}
	b = b[:bufferSize]
	p.pool.Put(&b)
}
