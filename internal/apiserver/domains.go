package apiserver

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const addDomainExample = `{"domain": "www.example.com"}`

func (s *server) listDomains(w http.ResponseWriter, r *http.Request) {
	ds, err := s.p.Domains(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, domainList(ds))
}

func (s *server) addDomain(w http.ResponseWriter, r *http.Request) {
	var req api.AddDomainRequest
	if e := decodeBody(w, r, &req, addDomainExample); e != nil {
		s.writeError(w, r, e)
		return
	}
	if req.Domain == "" {
		s.writeError(w, r, invalidBody(`the field "domain" is missing or empty`, addDomainExample))
		return
	}
	app := mux.Vars(r)["app"]
	ds, err := s.p.AddDomain(r.Context(), app, req.Domain)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", api.DomainPath(app, req.Domain))
	writeJSON(w, http.StatusCreated, domainList(ds))
}

func (s *server) removeDomain(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	ds, err := s.p.RemoveDomain(r.Context(), vars["app"], vars["domain"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, domainList(ds))
}

// domainList answers [] for no domains, never null.
func domainList(ds []string) []string {
	if ds == nil {
		return []string{}
	}
	return ds
}
