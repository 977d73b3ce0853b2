package router

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync/atomic"
)

// balancer spreads one app's requests round robin over a fixed set of
// backends. It is the http.RoundTripper of the app's ReverseProxy, so the
// backend is picked, and on a failed dial re-picked, per request in one place.
type balancer struct {
	app      string
	backends []string // never changed after newBalancer
	next     atomic.Uint64
	upstream *upstream
	proxy    *httputil.ReverseProxy
	log      *slog.Logger
}

func newBalancer(app string, backends []string, u *upstream, log *slog.Logger) *balancer {
	b := &balancer{app: app, backends: backends, upstream: u, log: log.With("app", app)}
	b.proxy = u.newProxy(b)
	return b
}

// ServeHTTP proxies req to one of the backends.
func (b *balancer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b.proxy.ServeHTTP(w, req)
}

// RoundTrip sends req to the next backend in turn. If the dial fails, the
// request never left, so it goes to the following backend; any later failure
// is returned as is, since the app may already have acted on the request.
func (b *balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	n := uint64(len(b.backends))
	first := b.next.Add(1) - 1
	body := req.Body
	var dialErrs []error
	for i := range n {
		attempt := req
		if i > 0 {
			attempt = retarget(req)
		}
		// req is the ReverseProxy's private outbound copy, so setting its URL
		// host on the first attempt touches nothing anyone else holds.
		attempt.URL.Host = b.backends[(first+i)%n]
		if body != nil && i < n-1 {
			// The transport closes the body on any error, dial errors
			// included; keep it open for the next backend.
			attempt.Body = keepOpen{body}
		}
		resp, err := b.upstream.roundTrip(attempt)
		if err == nil {
			return resp, nil
		}
		if !isDialError(err) || req.Context().Err() != nil {
			return nil, fmt.Errorf("proxy to %s: %w", attempt.URL.Host, err)
		}
		b.log.Debug("backend refused connection; trying the next", "backend", attempt.URL.Host, "err", err)
		dialErrs = append(dialErrs, err)
	}
	return nil, fmt.Errorf("%w: %w", errBackendsUnreachable, errors.Join(dialErrs...))
}

// retarget copies req and its URL so that a retry can point elsewhere.
func retarget(req *http.Request) *http.Request {
	r := *req
	u := *req.URL
	r.URL = &u
	return &r
}

// isDialError reports whether err means no connection was made, so the
// request was not sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// keepOpen hides a body's Close from the transport.
type keepOpen struct{ io.ReadCloser }

func (keepOpen) Close() error { return nil }
