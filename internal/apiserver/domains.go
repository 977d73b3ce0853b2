package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

const addDomainExample = `{"hostname": "www.example.com"}`

// domainKeys are what GET /apps/{app}/domains can be ranged by.
var domainKeys = []sortKey[api.Domain]{
	{name: "hostname", value: func(d api.Domain) string { return d.Hostname }},
	{name: "id", value: func(d api.Domain) string { return d.ID }},
}

// domains describes every host the app is served at: its own and its
// custom domains.
func (s *server) domains(r *http.Request, app string) (api.App, []api.Domain, error) {
	a, err := s.p.App(r.Context(), app)
	if err != nil {
		return api.App{}, nil, err
	}
	custom, err := s.p.Domains(r.Context(), app)
	if err != nil {
		return api.App{}, nil, err
	}
	own := ownHost(a)
	out := []api.Domain{domainOf(a, own, api.DomainKindHeroku, own)}
	for _, d := range custom {
		out = append(out, domainOf(a, d, api.DomainKindCustom, own))
	}
	if a.ACM {
		// Heroku's acm_status and acm_status_reason, from the certificates.
		st, err := s.p.CertStatus(r.Context(), app)
		if err != nil {
			return api.App{}, nil, err
		}
		for i := range out {
			for _, c := range st {
				if c.Hostname == out[i].Hostname {
					status, reason := c.Status, c.Reason
					out[i].AcmStatus = &status
					if reason != "" {
						out[i].AcmStatusReason = &reason
					}
				}
			}
		}
	}
	return a, out, nil
}

// ownHost is the host of the app's web URL, <app>.<PAAS_DOMAIN>.
func ownHost(a api.App) string {
	if u, err := url.Parse(a.WebURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return a.Name
}

func domainOf(a api.App, host, kind, own string) api.Domain {
	d := api.Domain{
		ID: releases.ChildID(a.ID, releases.KindDomain, host), App: api.NamedRef{ID: a.ID, Name: a.Name},
		Hostname: host, Kind: kind, Status: "succeeded", CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
	if kind == api.DomainKindCustom {
		d.CNAME = &own
	}
	return d
}

func (s *server) listDomains(w http.ResponseWriter, r *http.Request) (reply, error) {
	_, all, err := s.domains(r, mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	page, status, err := paginate(w, r, all, domainKeys...)
	if err != nil {
		return reply{}, err
	}
	return reply{status, page}, nil
}

// findDomain finds one of the app's domains by host name or id.
func (s *server) findDomain(r *http.Request, app, ident string) (api.Domain, error) {
	_, all, err := s.domains(r, app)
	if err != nil {
		return api.Domain{}, err
	}
	i := slices.IndexFunc(all, func(d api.Domain) bool {
		return strings.EqualFold(d.Hostname, ident) || strings.EqualFold(d.ID, ident)
	})
	if i < 0 {
		return api.Domain{}, fmt.Errorf("domain %s: %w on app %s", ident, releases.ErrNotFound, app)
	}
	return all[i], nil
}

func (s *server) getDomain(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	d, err := s.findDomain(r, vars["app"], vars["domain"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, d}, nil
}

func (s *server) addDomain(w http.ResponseWriter, r *http.Request) (reply, error) {
	var req api.AddDomainRequest
	if e := decodeLenient(w, r, &req, addDomainExample); e != nil {
		return reply{}, e
	}
	if req.Hostname == "" {
		return reply{}, invalidBody(`the field "hostname" is missing or empty`, addDomainExample)
	}
	if req.SNIEndpoint != nil && *req.SNIEndpoint != "" {
		return reply{}, invalidRequest(`"sni_endpoint" must be null: paas's router serves every domain its certificate covers`)
	}
	app := mux.Vars(r)["app"]
	before, err := s.p.Domains(r.Context(), app)
	if err != nil {
		return reply{}, err
	}
	after, err := s.p.AddDomain(r.Context(), app, req.Hostname)
	if err != nil {
		return reply{}, err
	}
	// The platform stores the name normalized (lowercase, no final dot):
	// the added one is the one that was not there before.
	added := strings.ToLower(req.Hostname)
	for _, d := range after {
		if !slices.Contains(before, d) {
			added = d
		}
	}
	d, err := s.findDomain(r, app, added)
	if err != nil {
		return reply{}, err
	}
	w.Header().Set("Location", api.DomainPath(app, d.Hostname))
	return reply{http.StatusCreated, d}, nil
}

// removeDomain answers with the domain as it was, as Heroku does.
func (s *server) removeDomain(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	d, err := s.findDomain(r, vars["app"], vars["domain"])
	if err != nil {
		return reply{}, err
	}
	if d.Kind != api.DomainKindCustom {
		return reply{}, invalidRequest(fmt.Sprintf("%s is the app's own host name, which it keeps: only custom domains can be removed", d.Hostname))
	}
	if _, err := s.p.RemoveDomain(r.Context(), vars["app"], d.Hostname); err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, d}, nil
}
