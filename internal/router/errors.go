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

// errNoBackends means the app's last backends were removed while a request
// was on its way to one.
var errNoBackends = errors.New("no web processes running")

// statusClientClosedRequest is nginx's 499: the client left before the answer.
// Nobody reads it; it marks the request in logs.
const statusClientClosedRequest = 499

// The bodies and log lines carry Heroku's router error codes, which users
// search for. https://devcenter.heroku.com/articles/error-codes

// routerCode is a router error as a request log line shows it.
type routerCode struct{ at, code, desc string }

var (
	codeTimeout         = routerCode{"error", "H12", "Request timeout"}
	codeNoResponse      = routerCode{"error", "H13", "Connection closed without response"}
	codeNoWebProcesses  = routerCode{"error", "H14", "No web processes running"}
	codeConnectFailed   = routerCode{"error", "H19", "Backend connection failed"}
	codeClientCancelled = routerCode{"info", "H27", "Client Request Interrupted"} // the client's doing, not an error
	codeMaintenance     = routerCode{"error", "H80", "Maintenance mode"}
	codeBadResponse     = routerCode{"error", "H17", "Poorly formatted HTTP response"}
)

func writeUnknownHost(w http.ResponseWriter, req *http.Request) {
	writeError(w, requestID(req.Header), http.StatusNotFound,
		fmt.Sprintf("no app is served at %q; check the app name with \"paasctl apps\"", hostname(req.Host)))
}

func writeNoBackends(w http.ResponseWriter, req *http.Request, app string) {
	status, code, msg := (*Router)(nil).proxyError(app, errNoBackends)
	noteError(w, code)
	writeError(w, requestIDOf(req), status, msg)
}

func writeMaintenance(w http.ResponseWriter, req *http.Request, app string) {
	noteError(w, codeMaintenance)
	w.Header().Set("Retry-After", "60")
	writeError(w, requestIDOf(req), http.StatusServiceUnavailable,
		fmt.Sprintf("H80 maintenance mode: app %q is offline for maintenance; try again later", app))
}

// handleError answers a request the balancer could not complete.
func (b *balancer) handleError(w http.ResponseWriter, req *http.Request, err error) {
	id := requestIDOf(req)
	switch {
	case req.Context().Err() != nil:
		// The client went away; that is its business, not an error here.
		b.log.Debug("client closed request", "host", req.Host, "path", req.URL.Path, "err", err)
		noteError(w, codeClientCancelled)
		w.WriteHeader(statusClientClosedRequest)
		return
	case errors.Is(err, errNoBackends):
		writeNoBackends(w, req, b.app)
		return
	}
	status, code, msg := b.router.proxyError(b.app, err)
	b.log.Warn("proxy request failed", "code", code.code, "status", status, "host", req.Host, "path", req.URL.Path,
		"request_id", id, "err", err)
	noteError(w, code)
	writeError(w, id, status, msg)
}

// proxyError says how the router answers a request to app that failed
// with err, on either path.
func (r *Router) proxyError(app string, err error) (status int, code routerCode, msg string) {
	switch {
	case errors.Is(err, errNoBackends):
		return http.StatusServiceUnavailable, codeNoWebProcesses,
			fmt.Sprintf("H14 no web processes running: app %q has none; deploy it with git push", app)
	case errors.Is(err, errBackendsUnreachable):
		return http.StatusBadGateway, codeConnectFailed,
			fmt.Sprintf("H19 backend connection failed: no web process of app %q accepted the connection; check its processes with \"paasctl apps:info -a %s\"", app, app)
	case errors.Is(err, errBadResponse):
		return http.StatusBadGateway, codeBadResponse,
			fmt.Sprintf("H17 poorly formatted HTTP response: app %q answered with a status code no client can take", app)
	case isTimeout(err):
		return http.StatusGatewayTimeout, codeTimeout,
			fmt.Sprintf("H12 request timeout: app %q did not start its response in %s", app, r.upstream.timeout())
	}
	return http.StatusBadGateway, codeNoResponse,
		fmt.Sprintf("H13 connection closed without response: app %q failed to answer; check its processes with \"paasctl apps:info -a %s\"", app, app)
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
	return time.Duration(u.client.timeout.Load())
}
