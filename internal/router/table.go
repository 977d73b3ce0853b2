package router

import (
	"maps"
	"slices"
	"strings"
)

// Backend is one web process an app's requests can go to.
type Backend struct {
	Addr string // "127.0.0.1:32768"
	Name string // the process, "web.1": the dyno of request log lines; empty shows Addr
}

// table is one immutable snapshot of the routing state. Writers build a new
// table and publish it; requests keep whichever snapshot they loaded.
type table struct {
	hosts map[string]*route // by hostname: what a request looks up
	// wildcards holds the wildcard custom domains by what follows the "*.":
	// "example.com" for "*.example.com". Exact hosts win over them.
	wildcards map[string]*route
	apps      map[string]*route // by app name: what the control methods change
	// domains are the apps' custom domains by app, as SetDomains gave them.
	domains map[string][]string
}

// route is an app as the router sees it. It is immutable: a new set of
// backends is a new route with a new balancer.
type route struct {
	app      string
	balancer *balancer // nil while the app has no web processes (503)
	// maintenance answers every request with 503 (H80), whatever the
	// backends, as Heroku's maintenance mode does.
	maintenance bool
	// httpsRedirect sends plain HTTP requests to HTTPS (308) once the
	// host has a certificate; hsts adds Strict-Transport-Security to
	// responses over HTTPS.
	httpsRedirect, hsts bool
}

// newTable indexes apps by host. Keying hosts by the full name, not by the app
// part, keeps a request to one map hit, and makes custom domains more keys
// pointing at the same route. An app's own "<app>.<domain>" wins over a
// custom domain of the same name (which the ledger refuses anyway).
func newTable(apps map[string]*route, domains map[string][]string, domain string) *table {
	t := &table{hosts: make(map[string]*route, len(apps)), apps: apps, domains: domains}
	if t.apps == nil {
		t.apps = map[string]*route{}
	}
	if t.domains == nil {
		t.domains = map[string][]string{}
	}
	for name, rt := range t.apps {
		t.hosts[strings.ToLower(name)+"."+domain] = rt
	}
	for app, ds := range t.domains {
		rt := t.apps[app]
		if rt == nil {
			continue
		}
		for _, d := range ds {
			if suffix, ok := strings.CutPrefix(d, "*."); ok {
				if t.wildcards == nil {
					t.wildcards = map[string]*route{}
				}
				t.wildcards[suffix] = rt
			} else if _, taken := t.hosts[d]; !taken {
				t.hosts[d] = rt
			}
		}
	}
	return t
}

// lookup returns the route for a Host header, or nil for an unknown host.
// An exact host wins; failing that, a wildcard "*.example.com" matches a
// host of exactly one more label, "www.example.com" but neither
// "example.com" nor "a.www.example.com".
func (t *table) lookup(host string) *route {
	h := hostname(host)
	if rt := t.hosts[h]; rt != nil {
		return rt
	}
	if t.wildcards == nil {
		return nil
	}
	if i := strings.IndexByte(h, '.'); i > 0 {
		return t.wildcards[h[i+1:]]
	}
	return nil
}

// update publishes the table change makes to a copy of the current apps,
// then retires the targets the new table no longer uses. In that order a
// request still holding the old table either finds its target retired and
// picks again from the new one, or is counted before Drain looks (see
// target.acquire).
func (r *Router) update(change func(apps map[string]*route)) {
	r.updateAll(func(apps map[string]*route, _ map[string][]string) { change(apps) })
}

// updateAll is update for changes to the custom domains too.
func (r *Router) updateAll(change func(apps map[string]*route, domains map[string][]string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := r.table.Load()
	apps, domains := maps.Clone(cur.apps), maps.Clone(cur.domains)
	change(apps, domains)
	r.table.Store(newTable(apps, domains, r.domain))
	r.retireUnusedLocked(apps)
}

// AddApp makes app known; with no backends it answers 503. Adding an app
// that exists already changes nothing.
func (r *Router) AddApp(app string) {
	if _, ok := r.table.Load().apps[app]; ok {
		return
	}
	r.update(func(apps map[string]*route) {
		if _, ok := apps[app]; !ok {
			apps[app] = &route{app: app}
		}
	})
}

// SetBackends replaces app's backends ("127.0.0.1:32768" each) in one atomic
// step, adding the app if needed. Requests already picked an old backend
// finish there (Drain waits for them); new ones see only the new set. An
// empty set answers 503. Request log lines name each backend by its address;
// SetBackendsNamed gives them process names.
func (r *Router) SetBackends(app string, addrs []string) {
	backends := make([]Backend, len(addrs))
	for i, a := range addrs {
		backends[i] = Backend{Addr: a}
	}
	r.SetBackendsNamed(app, backends)
}

// SetBackendsNamed is SetBackends with each backend's process name, which
// request log lines show as the dyno.
func (r *Router) SetBackendsNamed(app string, backends []Backend) {
	backends = slices.Clone(backends)
	r.update(func(apps map[string]*route) {
		if old, ok := apps[app]; ok && old.balancer != nil && old.balancer.serves(backends) {
			return // keep the balancer, and with it the round-robin position
		}
		rt := &route{app: app}
		if old, ok := apps[app]; ok {
			rt.maintenance, rt.httpsRedirect, rt.hsts = old.maintenance, old.httpsRedirect, old.hsts
		}
		if len(backends) > 0 {
			members := make([]member, len(backends))
			for i, be := range backends {
				members[i] = member{Backend: be, target: r.targetLocked(app, be.Addr)}
			}
			rt.balancer = newBalancer(app, members, r)
		}
		apps[app] = rt
	})
}

// SetMaintenance turns app's maintenance mode on or off: while on, every
// request to it gets a 503 (H80) and its processes none, whatever they are.
func (r *Router) SetMaintenance(app string, on bool) {
	r.update(func(apps map[string]*route) {
		old, ok := apps[app]
		if !ok {
			old = &route{app: app}
		}
		rt := *old
		rt.maintenance = on
		apps[app] = &rt
	})
}

// SetHTTPS sets how app's hosts use HTTPS: redirect sends plain HTTP
// requests there (308) for hosts that have a certificate (SetTLS), but
// ACME challenges; hsts has browsers keep to HTTPS (Strict-Transport-
// Security on responses over HTTPS).
func (r *Router) SetHTTPS(app string, redirect, hsts bool) {
	r.update(func(apps map[string]*route) {
		old, ok := apps[app]
		if !ok {
			old = &route{app: app}
		}
		rt := *old
		rt.httpsRedirect, rt.hsts = redirect, hsts
		apps[app] = &rt
	})
}

// RemoveApp forgets app and its custom domains: its hosts answer 404 from
// now on. Requests in flight finish; Drain waits for them.
func (r *Router) RemoveApp(app string) {
	r.updateAll(func(apps map[string]*route, domains map[string][]string) {
		delete(apps, app)
		delete(domains, app)
	})
}

// Backends returns a copy of app's current backend addresses, nil if it has
// none or is unknown.
func (r *Router) Backends(app string) []string {
	rt := r.table.Load().apps[app]
	if rt == nil || rt.balancer == nil {
		return nil
	}
	addrs := make([]string, len(rt.balancer.members))
	for i, m := range rt.balancer.members {
		addrs[i] = m.Addr
	}
	return addrs
}

// current returns app's balancer in the latest table, nil if it has none.
func (r *Router) current(app string) *balancer {
	if rt := r.table.Load().apps[app]; rt != nil {
		return rt.balancer
	}
	return nil
}

// targetLocked returns the target counting app's requests to addr, making
// one if the address is new and bringing back one a swap had retired.
func (r *Router) targetLocked(app, addr string) *target {
	targets := r.targets[app]
	if targets == nil {
		targets = map[string]*target{}
		r.targets[app] = targets
	}
	t := targets[addr]
	switch {
	case t == nil:
		t = &target{router: r}
		targets[addr] = t
	case t.retired.Load():
		t.retired.Store(false)
		r.wakeDrainsLocked() // a Drain waiting for it no longer should
	}
	return t
}

// retireUnusedLocked retires every target that apps no longer route to,
// and forgets retired ones with nothing in flight: Drain has nothing to wait
// for there, and a request still holding one will see it retired.
func (r *Router) retireUnusedLocked(apps map[string]*route) {
	for app, targets := range r.targets {
		var inUse []member
		if rt := apps[app]; rt != nil && rt.balancer != nil {
			inUse = rt.balancer.members
		}
		for addr, t := range targets {
			if slices.ContainsFunc(inUse, func(m member) bool { return m.target == t }) {
				continue
			}
			t.retired.Store(true)
			if t.inflight.Load() == 0 {
				delete(targets, addr)
			}
		}
		if len(targets) == 0 {
			delete(r.targets, app)
		}
	}
}
