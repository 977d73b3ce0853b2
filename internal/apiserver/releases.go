package apiserver

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const rollbackExample = `{"release": "3"} (a version or a release id; {} for the release before the current one)`

// releaseKeys are what GET /apps/{app}/releases can be ranged by; by
// version unless the Range header says otherwise.
var releaseKeys = []sortKey[api.Release]{
	{name: "version", value: func(r api.Release) string { return strconv.Itoa(r.Version) }, numeric: true},
	{name: "id", value: func(r api.Release) string { return r.ID }},
}

func (s *server) listReleases(w http.ResponseWriter, r *http.Request) (reply, error) {
	rels, err := s.p.Releases(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	for i := range rels {
		rels[i] = normalizeRelease(rels[i])
	}
	page, status, err := paginate(w, r, rels, releaseKeys...)
	if err != nil {
		return reply{}, err
	}
	return reply{status, page}, nil
}

// rollback is Heroku's POST /apps/{app}/releases with "release": a new
// release with that one's build and config.
func (s *server) rollback(w http.ResponseWriter, r *http.Request) (reply, error) {
	var req api.RollbackRequest
	if e := decodeLenient(w, r, &req, rollbackExample); e != nil {
		return reply{}, e
	}
	app := mux.Vars(r)["app"]
	if req.Slug != "" {
		return reply{}, invalidRequest(`a release of a slug is not made on paas: deploy with git push, or with POST ` + api.AppPath(app) + `/builds; roll back with {"release": "3"}`)
	}
	version := 0
	if req.Release != "" {
		v, err := s.releaseVersion(r, app, req.Release)
		if err != nil {
			return reply{}, err
		}
		version = v
	}
	rel, err := s.p.Rollback(r.Context(), app, version, actorOf(r))
	if err != nil {
		return reply{}, err
	}
	w.Header().Set("Location", api.ReleasePath(app, rel.Version))
	return reply{http.StatusCreated, normalizeRelease(rel)}, nil
}

func (s *server) getRelease(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	version, err := s.releaseVersion(r, vars["app"], vars["release"])
	if err != nil {
		return reply{}, err
	}
	rel, err := s.p.Release(r.Context(), vars["app"], version)
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, normalizeRelease(rel)}, nil
}

func (s *server) verifyReleases(w http.ResponseWriter, r *http.Request) (reply, error) {
	v, err := s.p.VerifyReleases(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	// 200 either way: the request worked, and the body says whether the chain did.
	return reply{http.StatusOK, v}, nil
}

func (s *server) diffReleases(w http.ResponseWriter, r *http.Request) (reply, error) {
	app := mux.Vars(r)["app"]
	example := api.ReleasesPath(app) + "/diff?from=v1&to=v3"
	query := r.URL.Query()
	var versions [2]int
	for i, name := range []string{"from", "to"} {
		raw := query.Get(name)
		if raw == "" {
			return reply{}, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDBadRequest,
				Message: fmt.Sprintf("the query parameter %q is missing: give both versions, as in %s", name, example)}
		}
		v, err := api.ParseVersion(raw)
		if err != nil {
			return reply{}, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDBadRequest,
				Message: fmt.Sprintf("query parameter %q: %v, as in %s", name, err, example)}
		}
		versions[i] = v
	}
	d, err := s.p.DiffReleases(r.Context(), app, versions[0], versions[1])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, normalizeDiff(d)}, nil
}

// normalizeRelease sends empty lists as [], never null, as the spec says.
func normalizeRelease(r api.Release) api.Release {
	r.ConfigKeys = nonNil(r.ConfigKeys)
	r.ProcessTypes = nonNil(r.ProcessTypes)
	r.AddonPlanNames = nonNil(r.AddonPlanNames)
	if r.Commands == nil {
		r.Commands = map[string]string{}
	}
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
