package router

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// errBackendsUnreachable means no backend of the app accepted a connection,
// so the request was sent nowhere.
var errBackendsUnreachable = errors.New("no web process accepted the connection")

// statusClientClosedRequest is nginx's 499: the client left before the answer.
// Nobody reads it; it marks the request in logs.
const statusClientClosedRequest = 499

// The bodies carry Heroku's router error codes, which users search for.
// https://devcenter.heroku.com/articles/error-codes

func writeUnknownHost(w http.ResponseWriter, req *http.Request) {
	writeError(w, requestID(req.Header), http.StatusNotFound,
		fmt.Sprintf("no app is served at %q; check the app name with \"paasctl apps\"", hostname(req.Host)))
}

func writeNoBackends(w http.ResponseWriter, req *http.Request, app string) {
	writeError(w, requestID(req.Header), http.StatusServiceUnavailable,
		fmt.Sprintf("H14 no web processes running: app %q has none; deploy it with git push", app))
}

// handleError answers a request the balancer could not complete.
func (b *balancer) handleError(w http.ResponseWriter, req *http.Request, err error) {
	var (
		status int
		code   string
		msg    string
		id     = requestID(req.Header)
	)
	switch {
	case req.Context().Err() != nil:
		// The client went away; that is its business, not an error here.
		b.log.Debug("client closed request", "host", req.Host, "path", req.URL.Path, "err", err)
		w.WriteHeader(statusClientClosedRequest)
		return
	case errors.Is(err, errBackendsUnreachable):
		status, code = http.StatusBadGateway, "H19"
		msg = fmt.Sprintf("H19 backend connection failed: no web process of app %q accepted the connection; check its processes with \"paasctl apps:info -a %s\"", b.app, b.app)
	case isTimeout(err):
		status, code = http.StatusGatewayTimeout, "H12"
		msg = fmt.Sprintf("H12 request timeout: app %q did not start its response in %s", b.app, b.upstream.timeout())
	default:
		status, code = http.StatusBadGateway, "H13"
		msg = fmt.Sprintf("H13 connection closed without response: app %q failed to answer; check its processes with \"paasctl apps:info -a %s\"", b.app, b.app)
	}
	b.log.Warn("proxy request failed", "code", code, "status", status, "host", req.Host, "path", req.URL.Path,
		"request_id", id, "err", err)
	writeError(w, id, status, msg)
}

// writeError answers with a one-line plain-text body and the request's id.
func writeError(w http.ResponseWriter, id string, status int, msg string) {
	w.Header().Set(headerRequestID, id)
	http.Error(w, msg, status)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// timeout is the response header timeout in force.
func (u *upstream) timeout() time.Duration {
	return u.transport.Load().ResponseHeaderTimeout
}
