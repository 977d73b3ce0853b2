package router

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"sync/atomic"
)

// balancer spreads one app's requests round robin over a fixed set of
// backends. It is the http.RoundTripper of the app's ReverseProxy, so the
// backend is picked, and on a failed dial re-picked, per request in one place.
type balancer struct {
	app     string
	members []member // never changed after newBalancer
	next    atomic.Uint64
	router  *Router
	proxy   *httputil.ReverseProxy
	log     *slog.Logger
}

// member is a backend of one balancer with the target counting its
// requests, which every balancer of the app listing the address shares.
type member struct {
	Backend
	target *target
}

// dyno names the backend in request log lines.
func (m *member) dyno() string {
	if m.Name != "" {
		return m.Name
	}
	return m.Addr
}

func newBalancer(app string, members []member, r *Router) *balancer {
	b := &balancer{app: app, members: members, router: r, log: r.log.With("app", app)}
	b.proxy = r.upstream.newProxy(b)
	return b
}

// serves reports whether b routes to exactly backends, in order.
func (b *balancer) serves(backends []Backend) bool {
	return slices.EqualFunc(b.members, backends, func(m member, be Backend) bool { return m.Backend == be })
}

// ServeHTTP proxies req to one of the backends.
func (b *balancer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b.proxy.ServeHTTP(&streamWriter{ResponseWriter: w, remaining: -1}, req)
}

// RoundTrip sends req to the next backend in turn (see each). The request
// counts as in flight to its backend until the proxy closes the response
// body (see target.hold).
func (b *balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	var ex *exchange
	if b.router.requestLog.Load() != nil || b.router.observer.Load() != nil { // spare unwatched requests the context walk
		ex = exchangeOf(req.Context())
	}
	body := req.Body
	used := false // req itself went to the transport; a retry sends a copy
	var resp *http.Response
	m, err := b.each(func(m *member, last bool) error {
		if ex != nil {
			ex.dyno = m.dyno()
		}
		attempt := req
		if used {
			attempt = retarget(req)
		}
		used = true
		// req is the ReverseProxy's private outbound copy, so setting its URL
		// host on the first attempt touches nothing anyone else holds.
		attempt.URL.Host = m.Addr
		if body != nil && !last {
			// The transport closes the body on any error, dial errors
			// included; keep it open for the next backend.
			attempt.Body = keepOpen{body}
		}
		var err error
		resp, err = b.router.upstream.roundTrip(attempt)
		if err != nil && req.Context().Err() != nil {
			return req.Context().Err() // the client left: no next backend
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	m.target.hold(resp, req)
	return resp, nil
}

// each calls send with b's backends in turn, from the next in the round,
// until one takes the request. A backend that refuses the connection never
// saw the request, so the next is tried; any other failure is returned as
// is, since the app may already have acted on the request. After a swap
// retired b's backends it goes on with the set that replaced them, which was
// published first. The member returned holds the request in flight to its
// backend until its target's release.
func (b *balancer) each(send func(m *member, last bool) error) (*member, error) {
	var dialErrs []error
	for {
		n := uint64(len(b.members))
		first := b.next.Add(1) - 1
		for i := range n {
			m := &b.members[(first+i)%n]
			if !m.target.acquire() {
				break // a swap retired it since the request loaded b
			}
			err := send(m, i == n-1)
			if err == nil {
				return m, nil
			}
			m.target.release()
			if !isDialError(err) {
				return nil, fmt.Errorf("proxy to %s: %w", m.Addr, err)
			}
			b.log.Debug("backend refused connection; trying the next", "backend", m.Addr, "err", err)
			dialErrs = append(dialErrs, err)
			if i == n-1 {
				return nil, fmt.Errorf("%w: %w", errBackendsUnreachable, errors.Join(dialErrs...))
			}
		}
		if b = b.router.current(b.app); b == nil {
			return nil, errNoBackends
		}
	}
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
