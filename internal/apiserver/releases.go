package apiserver

import (
	"fmt"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const rollbackExample = `{"rollback_to": 3} (or {} for the release before the current one)`

func (s *server) listReleases(w http.ResponseWriter, r *http.Request) {
	rels, err := s.p.Releases(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]api.Release, len(rels))
	for i, rel := range rels {
		out[i] = normalizeRelease(rel)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) rollback(w http.ResponseWriter, r *http.Request) {
	var req api.RollbackRequest
	if e := decodeBody(w, r, &req, rollbackExample); e != nil {
		s.writeError(w, r, e)
		return
	}
	if req.Version < 0 {
		s.writeError(w, r, invalidBody(`field "rollback_to" must be a release version (1 or more), or 0 for the release before the current one`, rollbackExample))
		return
	}
	app := mux.Vars(r)["app"]
	rel, err := s.p.Rollback(r.Context(), app, req.Version, actorOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", api.ReleasePath(app, rel.Version))
	writeJSON(w, http.StatusCreated, normalizeRelease(rel))
}

func (s *server) getRelease(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	version, err := api.ParseVersion(vars["version"])
	if err != nil {
		s.writeError(w, r, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDInvalid,
			Message: "release path " + r.URL.Path + ": " + err.Error() + ", as in " + api.ReleasePath(vars["app"], 3)})
		return
	}
	rel, err := s.p.Release(r.Context(), vars["app"], version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, normalizeRelease(rel))
}

func (s *server) verifyReleases(w http.ResponseWriter, r *http.Request) {
	v, err := s.p.VerifyReleases(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// 200 either way: the request worked, and the body says whether the chain did.
	writeJSON(w, http.StatusOK, v)
}

func (s *server) diffReleases(w http.ResponseWriter, r *http.Request) {
	app := mux.Vars(r)["app"]
	example := api.ReleasesPath(app) + "/diff?from=v1&to=v3"
	query := r.URL.Query()
	var versions [2]int
	for i, name := range []string{"from", "to"} {
		raw := query.Get(name)
		if raw == "" {
			s.writeError(w, r, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDInvalid,
				Message: fmt.Sprintf("the query parameter %q is missing: give both versions, as in %s", name, example)})
			return
		}
		v, err := api.ParseVersion(raw)
		if err != nil {
			s.writeError(w, r, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDInvalid,
				Message: fmt.Sprintf("query parameter %q: %v, as in %s", name, err, example)})
			return
		}
		versions[i] = v
	}
	d, err := s.p.DiffReleases(r.Context(), app, versions[0], versions[1])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, normalizeDiff(d))
}

// normalizeRelease sends empty lists as [], never null, as the spec says.
func normalizeRelease(r api.Release) api.Release {
	r.ConfigKeys = nonNil(r.ConfigKeys)
	r.ProcessTypes = nonNil(r.ProcessTypes)
	return r
}

func normalizeDiff(d api.ReleaseDiff) api.ReleaseDiff {
	for _, list := range []*[]string{
		&d.ConfigAdded, &d.ConfigRemoved, &d.ConfigChanged,
		&d.ProcessesAdded, &d.ProcessesRemoved, &d.ProcessesChanged,
	} {
		*list = nonNil(*list)
	}
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
