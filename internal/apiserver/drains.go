package apiserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// DrainStore is what the log-drains routes need; the daemon's log
// collector implements it. Errors that are *Error keep their status (400
// for a URL that is not valid, 409 for a drain that exists, 404 for one
// that does not); any other error is a 500.
type DrainStore interface {
	// Drains lists app's drains, oldest first.
	Drains(ctx context.Context, app string) ([]api.Drain, error)
	AddDrain(ctx context.Context, app, url string) (api.Drain, error)
	// RemoveDrain removes a drain by its token or its URL.
	RemoveDrain(ctx context.Context, app, tokenOrURL string) error
}

// AppFinder finds an app by name or id; the Platform is one.
type AppFinder interface {
	App(ctx context.Context, ident string) (api.App, error)
}

// drainKeys are what GET /apps/{app}/log-drains can be ranged by.
var drainKeys = []sortKey[api.Drain]{
	{name: "url", value: func(d api.Drain) string { return d.URL }},
	{name: "id", value: func(d api.Drain) string { return d.ID }},
}

// RegisterDrains adds Heroku's log-drains routes to r: GET and POST
// /apps/{app}/log-drains, GET and DELETE /apps/{app}/log-drains/{drain}
// (by id, token, or URL escaped), and DELETE /apps/{app}/log-drains?url=URL.
func RegisterDrains(r *mux.Router, s DrainStore, apps AppFinder, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	h := &drainsHandler{s: s, apps: apps, srv: &server{log: logger}}
	r.Handle("/apps/{app}/log-drains", h.srv.byMethod(methods{
		http.MethodGet: h.srv.handle(h.list), http.MethodPost: h.srv.handle(h.add), http.MethodDelete: h.srv.handle(h.removeByURL)}))
	r.Handle("/apps/{app}/log-drains/{drain}", h.srv.byMethod(methods{http.MethodGet: h.srv.handle(h.get), http.MethodDelete: h.srv.handle(h.remove)}))
}

type drainsHandler struct {
	s    DrainStore
	apps AppFinder
	srv  *server // for its error answers
}

// withIdentity gives a drain Heroku's fields: a UUID of the app's, the
// token, the app, its times.
func withIdentity(a api.App, d api.Drain) api.Drain {
	d.Token = d.ID
	d.ID = releases.ChildID(a.ID, "drain", d.Token)
	d.App = &api.NamedRef{ID: a.ID, Name: a.Name}
	d.CreatedAt, d.UpdatedAt = a.CreatedAt, a.UpdatedAt
	return d
}

// drains lists the app's drains with their identity.
func (h *drainsHandler) drains(r *http.Request) (api.App, []api.Drain, error) {
	a, err := h.apps.App(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return api.App{}, nil, err
	}
	ds, err := h.s.Drains(r.Context(), a.Name)
	if err != nil {
		return api.App{}, nil, err
	}
	out := make([]api.Drain, len(ds))
	for i, d := range ds {
		out[i] = withIdentity(a, d)
	}
	return a, out, nil
}

// find finds one of the app's drains by id, token or URL.
func (h *drainsHandler) find(r *http.Request, ident string) (api.App, api.Drain, error) {
	a, ds, err := h.drains(r)
	if err != nil {
		return api.App{}, api.Drain{}, err
	}
	for _, d := range ds {
		if strings.EqualFold(d.ID, ident) || d.Token == ident || d.URL == ident {
			return a, d, nil
		}
	}
	return a, api.Drain{}, &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound,
		Message: fmt.Sprintf("app %s has no log drain %s: run paasctl drains -a %s to list them", a.Name, ident, a.Name)}
}

func (h *drainsHandler) list(w http.ResponseWriter, r *http.Request) (reply, error) {
	_, ds, err := h.drains(r)
	if err != nil {
		return reply{}, err
	}
	page, status, err := paginate(w, r, ds, drainKeys...)
	if err != nil {
		return reply{}, err
	}
	return reply{status, page}, nil
}

func (h *drainsHandler) get(w http.ResponseWriter, r *http.Request) (reply, error) {
	_, d, err := h.find(r, mux.Vars(r)["drain"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, d}, nil
}

func (h *drainsHandler) add(w http.ResponseWriter, r *http.Request) (reply, error) {
	a, err := h.apps.App(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	var req api.CreateDrainRequest
	if e := decodeLenient(w, r, &req, `{"url": "syslog+tls://logs.example.com:6514"}`); e != nil {
		return reply{}, e
	}
	d, err := h.s.AddDrain(r.Context(), a.Name, req.URL)
	if err != nil {
		return reply{}, err
	}
	d = withIdentity(a, d)
	w.Header().Set("Location", api.DrainPath(a.Name, d.ID))
	return reply{http.StatusCreated, d}, nil
}

func (h *drainsHandler) remove(w http.ResponseWriter, r *http.Request) (reply, error) {
	return h.removeDrain(r, mux.Vars(r)["drain"])
}

// removeByURL takes the drain's URL from the query: a URL has slashes,
// which a path segment cannot hold unescaped.
func (h *drainsHandler) removeByURL(w http.ResponseWriter, r *http.Request) (reply, error) {
	q := r.URL.Query()
	u := q.Get("url")
	if u == "" || len(q) != 1 {
		return reply{}, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDBadRequest,
			Message: "DELETE " + r.URL.Path + " needs the drain's URL as ?url=...; or use DELETE " + r.URL.Path + "/ID"}
	}
	return h.removeDrain(r, u)
}

// removeDrain answers with the drain as it was, as Heroku does. A URL
// given in full (with the credentials the list hides) goes to the store
// as it is.
func (h *drainsHandler) removeDrain(r *http.Request, ident string) (reply, error) {
	a, d, err := h.find(r, ident)
	target := d.Token
	if err != nil {
		if a.ID == "" || !strings.Contains(ident, "://") { // no such app, or no such drain
			return reply{}, err
		}
		target = ident
	}
	if err := h.s.RemoveDrain(r.Context(), a.Name, target); err != nil {
		return reply{}, err
	}
	if d.ID == "" {
		d = withIdentity(a, api.Drain{URL: ident})
	}
	return reply{http.StatusOK, d}, nil
}
