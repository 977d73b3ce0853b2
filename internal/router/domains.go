package router

import (
	"slices"
	"strings"
)

// SetDomains replaces app's custom domains, adding the app if needed (503
// until it has backends). Each is a host name, "www.example.com", or a
// wildcard, "*.example.com", that matches one more label ("shop.example.com",
// not "example.com" nor "a.shop.example.com"); an exact host beats a
// wildcard. Names are matched without regard to case, port or a trailing
// dot. The router does not check them: the ledger validates domains and keeps
// each to one app. An empty set leaves the app only its "<app>.<domain>".
func (r *Router) SetDomains(app string, domains []string) {
	set := make([]string, 0, len(domains))
	for _, d := range domains {
		if d = strings.TrimSuffix(strings.ToLower(d), "."); d != "" && !slices.Contains(set, d) {
			set = append(set, d)
		}
	}
	slices.Sort(set)
	r.updateAll(func(apps map[string]*route, ds map[string][]string) {
		if _, ok := apps[app]; !ok {
			apps[app] = &route{app: app}
		}
		if len(set) == 0 {
			delete(ds, app)
			return
		}
		ds[app] = set
	})
}

// Domains returns a copy of app's custom domains, sorted; nil if it has none.
func (r *Router) Domains(app string) []string {
	return slices.Clone(r.table.Load().domains[app])
}
