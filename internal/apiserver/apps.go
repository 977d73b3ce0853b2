package apiserver

import (
	"net/http"
	"net/url"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const createAppExample = `{"name": "myapp"}`

func (s *server) listApps(w http.ResponseWriter, r *http.Request) {
	apps, err := s.p.Apps(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]api.App, len(apps))
	for i, a := range apps {
		out[i] = normalizeApp(a)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) createApp(w http.ResponseWriter, r *http.Request) {
	var req api.CreateAppRequest
	if e := decodeBody(w, r, &req, createAppExample); e != nil {
		s.writeError(w, r, e)
		return
	}
	if req.Name == "" {
		s.writeError(w, r, invalidBody(`the field "name" is missing or empty`, createAppExample))
		return
	}
	app, err := s.p.CreateApp(r.Context(), req.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/apps/"+url.PathEscape(app.Name))
	writeJSON(w, http.StatusCreated, normalizeApp(app))
}

func (s *server) getApp(w http.ResponseWriter, r *http.Request) {
	app, err := s.p.App(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, normalizeApp(app))
}

func (s *server) destroyApp(w http.ResponseWriter, r *http.Request) {
	if err := s.p.DestroyApp(r.Context(), mux.Vars(r)["app"]); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// normalizeApp sends an empty process list as [], never null, as the spec says.
func normalizeApp(a api.App) api.App {
	if a.Processes == nil {
		a.Processes = []api.Process{}
	}
	return a
}
