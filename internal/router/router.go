// Package router is the HTTP front door: it serves each app at
// "<app>.<domain>" by proxying to the app's web processes, and swaps an app's
// backends atomically when a deploy cuts over.
package router

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// DefaultDomain makes "http://<app>.localhost:8080/" work with no DNS set-up.
	DefaultDomain = "localhost"
	// DefaultTimeout is how long a backend may take to start its response,
	// Heroku's 30 s request timeout (H12).
	DefaultTimeout = 30 * time.Second
)

// Router is an http.Handler routing by Host header to apps' web processes.
// Requests take no lock: they read an immutable table through an atomic
// pointer, and every change publishes a new table. (The one exception is the
// last request to a removed backend, which locks to wake Drain.)
type Router struct {
	domain     string
	log        *slog.Logger
	upstream   *upstream
	table      atomic.Pointer[table]
	requestLog atomic.Pointer[RequestLog]  // nil: no request log lines
	tls        atomic.Pointer[tlsListener] // nil: no HTTPS to redirect to
	observer   atomic.Pointer[Observer]    // nil: no figures

	mu sync.Mutex // serialises table writers and protects the following; requests never lock
	// targets holds, by app and address, every backend the table routes to
	// and every one removed from it with requests still in flight.
	targets map[string]map[string]*target
	drained chan struct{} // closed to wake waiting Drains; nil when none waits
}

// New returns a router serving apps at "<app>.<domain>". logger is the daemon's slog logger.
func New(domain string, logger *slog.Logger) *Router {
	domain = strings.Trim(strings.ToLower(domain), ".")
	if domain == "" {
		domain = DefaultDomain
	}
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("component", "router")
	r := &Router{
		domain:   domain,
		log:      logger,
		upstream: newUpstream(DefaultTimeout, logger),
		targets:  map[string]map[string]*target{},
	}
	r.table.Store(newTable(nil, nil, domain))
	return r
}

// SetTimeout sets how long a backend may take to send its response headers
// before the client gets a 504 (H12); d <= 0 restores DefaultTimeout. Once the
// headers arrive there is no limit, so streams and WebSockets live on.
func (r *Router) SetTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultTimeout
	}
	r.upstream.setTimeout(d)
}

// ServeHTTP proxies req to a web process of the app its Host names.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rt := r.table.Load().lookup(req.Host)
	if rt == nil {
		writeUnknownHost(w, req) // no app, so no app log to tell
		return
	}
	if rt.httpsRedirect || rt.hsts {
		if r.https(w, req, rt) {
			return
		}
	}
	l, o := r.requestLog.Load(), r.observer.Load()
	if l != nil || o != nil {
		var log RequestLog
		var obs Observer
		if l != nil {
			log = *l
		}
		if o != nil {
			obs = *o
		}
		serveLogged(log, obs, w, req, rt)
		return
	}
	rt.serve(w, req)
}

func (rt *route) serve(w http.ResponseWriter, req *http.Request) {
	if rt.maintenance {
		writeMaintenance(w, req, rt.app)
		return
	}
	if rt.balancer == nil {
		writeNoBackends(w, req, rt.app)
		return
	}
	rt.balancer.ServeHTTP(w, req)
}
