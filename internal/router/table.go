package router

import (
	"maps"
	"slices"
	"strings"
)

// table is one immutable snapshot of the routing state. Writers build a new
// table and publish it; requests keep whichever snapshot they loaded.
type table struct {
	hosts map[string]*route // by hostname: what a request looks up
	apps  map[string]*route // by app name: what the control methods change
}

// route is an app as the router sees it. It is immutable: a new set of
// backends is a new route with a new balancer.
type route struct {
	app      string
	balancer *balancer // nil while the app has no web processes (503)
}

// newTable indexes apps by host. Keying hosts by the full name, not by the app
// part, keeps a request to one map hit and leaves room for custom domains:
// they become more keys pointing at the same route.
func newTable(apps map[string]*route, domain string) *table {
	t := &table{hosts: make(map[string]*route, len(apps)), apps: apps}
	if t.apps == nil {
		t.apps = map[string]*route{}
	}
	for name, rt := range t.apps {
		t.hosts[strings.ToLower(name)+"."+domain] = rt
	}
	return t
}

// lookup returns the route for a Host header, or nil for an unknown host.
func (t *table) lookup(host string) *route {
	return t.hosts[hostname(host)]
}

// update publishes the table change makes to a copy of the current apps.
func (r *Router) update(change func(apps map[string]*route)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	apps := maps.Clone(r.table.Load().apps)
	change(apps)
	r.table.Store(newTable(apps, r.domain))
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
// finish there; new ones see only the new set. An empty set answers 503.
func (r *Router) SetBackends(app string, addrs []string) {
	addrs = slices.Clone(addrs)
	r.update(func(apps map[string]*route) {
		if old, ok := apps[app]; ok && old.balancer != nil && slices.Equal(old.balancer.backends, addrs) {
			return // keep the balancer, and with it the round-robin position
		}
		rt := &route{app: app}
		if len(addrs) > 0 {
			rt.balancer = newBalancer(app, addrs, r.upstream, r.log)
		}
		apps[app] = rt
	})
}

// RemoveApp forgets app: its host answers 404 from now on.
func (r *Router) RemoveApp(app string) {
	r.update(func(apps map[string]*route) { delete(apps, app) })
}

// Backends returns a copy of app's current backends, nil if it has none or
// is unknown.
func (r *Router) Backends(app string) []string {
	rt := r.table.Load().apps[app]
	if rt == nil || rt.balancer == nil {
		return nil
	}
	return slices.Clone(rt.balancer.backends)
}
