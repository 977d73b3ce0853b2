package apiserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

// DrainStore is what the drains routes need; the daemon's log collector
// implements it. Errors that are *Error keep their status (400 for a URL
// that is not valid, 409 for a drain that exists, 404 for one that does
// not); any other error is a 500.
type DrainStore interface {
	AppExists(ctx context.Context, app string) (bool, error)
	// Drains lists app's drains, oldest first.
	Drains(ctx context.Context, app string) ([]api.Drain, error)
	AddDrain(ctx context.Context, app, url string) (api.Drain, error)
	// RemoveDrain removes a drain by its ID or its URL.
	RemoveDrain(ctx context.Context, app, idOrURL string) error
}

// RegisterDrains adds the drains routes to r: GET and POST
// /v1/apps/{app}/drains, and DELETE /v1/apps/{app}/drains/{id} (or
// /v1/apps/{app}/drains?url=URL). It may be called before or after Register.
func RegisterDrains(r *mux.Router, s DrainStore, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	h := &drainsHandler{s: s, srv: &server{log: logger}}
	// Into Register's /v1 subrouter when there is one, for the reason
	// RegisterLogs gives.
	v1, prefix := r, "/v1"
	if sub := v1Subrouter(r); sub != nil {
		v1, prefix = sub, ""
	}
	v1.Handle(prefix+"/apps/{app}/drains", h.srv.byMethod(methods{
		http.MethodGet: h.list, http.MethodPost: h.add, http.MethodDelete: h.removeByURL}))
	v1.Handle(prefix+"/apps/{app}/drains/{id}", h.srv.byMethod(methods{http.MethodDelete: h.remove}))
}

type drainsHandler struct {
	s   DrainStore
	srv *server // for its error answers
}

// app is the request's app, or false once the answer is written.
func (h *drainsHandler) app(w http.ResponseWriter, r *http.Request) (string, bool) {
	app := mux.Vars(r)["app"]
	ok, err := h.s.AppExists(r.Context(), app)
	if err != nil {
		h.srv.fail(w, r, err)
		return "", false
	}
	if !ok {
		h.srv.writeError(w, r, &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound,
			Message: fmt.Sprintf("app %q not found", app)})
		return "", false
	}
	return app, true
}

func (h *drainsHandler) list(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		h.srv.writeError(w, r, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDInvalid,
			Message: "GET " + r.URL.Path + " takes no parameters"})
		return
	}
	app, ok := h.app(w, r)
	if !ok {
		return
	}
	drains, err := h.s.Drains(r.Context(), app)
	if err != nil {
		h.srv.fail(w, r, err)
		return
	}
	if drains == nil {
		drains = []api.Drain{}
	}
	writeJSON(w, http.StatusOK, drains)
}

func (h *drainsHandler) add(w http.ResponseWriter, r *http.Request) {
	app, ok := h.app(w, r)
	if !ok {
		return
	}
	var req api.CreateDrainRequest
	if e := decodeBody(w, r, &req, `{"url": "syslog+tls://logs.example.com:6514"}`); e != nil {
		h.srv.writeError(w, r, e)
		return
	}
	d, err := h.s.AddDrain(r.Context(), app, req.URL)
	if err != nil {
		h.srv.fail(w, r, err)
		return
	}
	w.Header().Set("Location", api.DrainPath(app, d.ID))
	writeJSON(w, http.StatusCreated, d)
}

func (h *drainsHandler) remove(w http.ResponseWriter, r *http.Request) {
	h.removeDrain(w, r, mux.Vars(r)["id"])
}

// removeByURL takes the drain's URL from the query: a URL has slashes, so
// it cannot be a path segment.
func (h *drainsHandler) removeByURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	u := q.Get("url")
	if u == "" || len(q) != 1 {
		h.srv.writeError(w, r, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDInvalid,
			Message: "DELETE " + r.URL.Path + " needs the drain's URL as ?url=...; or use DELETE " + r.URL.Path + "/ID"})
		return
	}
	h.removeDrain(w, r, u)
}

func (h *drainsHandler) removeDrain(w http.ResponseWriter, r *http.Request, idOrURL string) {
	app, ok := h.app(w, r)
	if !ok {
		return
	}
	if err := h.s.RemoveDrain(r.Context(), app, idOrURL); err != nil {
		h.srv.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
