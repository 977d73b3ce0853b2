package apiserver

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

const addonExample = `{"plan": "postgres", "attachment": {"name": "DATABASE"}}`

// addonKeys are what add-on lists can be ranged by.
var addonKeys = []sortKey[api.Addon]{
	{name: "name", value: func(a api.Addon) string { return a.Name }},
	{name: "id", value: func(a api.Addon) string { return a.ID }},
}

// createAddon is Heroku's POST /apps/{app}/addons: the service is
// provisioned and attached before the answer, 201 with the add-on.
func (s *server) createAddon(w http.ResponseWriter, r *http.Request) (reply, error) {
	var req api.AddonRequest
	if e := decodeLenient(w, r, &req, addonExample); e != nil {
		return reply{}, e
	}
	if req.Plan == "" {
		return reply{}, invalidBody(`"plan" is missing: give the service, "postgres" or "redis"`, addonExample)
	}
	a, err := s.p.CreateAddon(r.Context(), mux.Vars(r)["app"], req, actorOf(r))
	if err != nil {
		return reply{}, err
	}
	w.Header().Set("Location", api.AddonPath(a.Name))
	return reply{http.StatusCreated, a}, nil
}

// listAddons is GET /apps/{app}/addons, or GET /addons for every app.
func (s *server) listAddons(w http.ResponseWriter, r *http.Request) (reply, error) {
	as, err := s.p.Addons(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	page, status, err := paginate(w, r, as, addonKeys...)
	if err != nil {
		return reply{}, err
	}
	return reply{status, page}, nil
}

// getAddon is GET /addons/{addon} (or under its app); ?show_url=1 adds
// the URL, credentials and all.
func (s *server) getAddon(_ http.ResponseWriter, r *http.Request) (reply, error) {
	show, _ := strconv.ParseBool(r.URL.Query().Get("show_url"))
	a, err := s.p.Addon(r.Context(), mux.Vars(r)["addon"], show)
	if err != nil {
		return reply{}, err
	}
	if app := mux.Vars(r)["app"]; app != "" {
		if err := s.ownedBy(r, a, app); err != nil {
			return reply{}, err
		}
	}
	return reply{http.StatusOK, a}, nil
}

// destroyAddon is DELETE /addons/{addon} (or under its app): detached from
// every app, its service and then its data removed.
func (s *server) destroyAddon(_ http.ResponseWriter, r *http.Request) (reply, error) {
	a, err := s.p.Addon(r.Context(), mux.Vars(r)["addon"], false)
	if err != nil {
		return reply{}, err
	}
	if app := mux.Vars(r)["app"]; app != "" {
		if err := s.ownedBy(r, a, app); err != nil {
			return reply{}, err
		}
	}
	if err := s.p.DestroyAddon(r.Context(), a.Name, actorOf(r)); err != nil {
		return reply{}, err
	}
	a.State = "deprovisioned"
	return reply{http.StatusOK, a}, nil
}

// ownedBy refuses an add-on under an app that does not own it.
func (s *server) ownedBy(r *http.Request, a api.Addon, app string) error {
	owner, err := s.p.App(r.Context(), app)
	if err != nil {
		return err
	}
	if owner.ID != a.App.ID {
		return fmt.Errorf("add-on %s of app %s: %w: it belongs to another app (see GET /addons/%s)", a.Name, app, releases.ErrNotFound, a.Name)
	}
	return nil
}

const attachmentExample = `{"addon": "postgres-1a2b3c", "app": "other", "name": "DATABASE"}`

// listAttachments is GET /apps/{app}/addon-attachments.
func (s *server) listAttachments(_ http.ResponseWriter, r *http.Request) (reply, error) {
	app := mux.Vars(r)["app"]
	a, err := s.p.App(r.Context(), app)
	if err != nil {
		return reply{}, err
	}
	as, err := s.p.Addons(r.Context(), app)
	if err != nil {
		return reply{}, err
	}
	out := []api.AddonAttachment{}
	for _, add := range as {
		for _, at := range add.Attachments {
			if at.App.ID == a.ID {
				out = append(out, at)
			}
		}
	}
	return reply{http.StatusOK, out}, nil
}

// createAttachment is Heroku's POST /addon-attachments: an add-on given to
// one more app.
func (s *server) createAttachment(w http.ResponseWriter, r *http.Request) (reply, error) {
	var req api.AttachmentRequest
	if e := decodeLenient(w, r, &req, attachmentExample); e != nil {
		return reply{}, e
	}
	if req.Addon == "" || req.App == "" {
		return reply{}, invalidBody(`"addon" and "app" are both needed`, attachmentExample)
	}
	a, err := s.p.AttachAddon(r.Context(), req.Addon, req.App, req.Name, actorOf(r))
	if err != nil {
		return reply{}, err
	}
	for _, at := range a.Attachments {
		if at.App.Name == req.App || at.App.ID == req.App {
			return reply{http.StatusCreated, at}, nil
		}
	}
	return reply{http.StatusCreated, a}, nil
}

// deleteAttachment is Heroku's DELETE /addon-attachments/{id}.
func (s *server) deleteAttachment(_ http.ResponseWriter, r *http.Request) (reply, error) {
	id := mux.Vars(r)["attachment"]
	all, err := s.p.Addons(r.Context(), "")
	if err != nil {
		return reply{}, err
	}
	for _, add := range all {
		for _, at := range add.Attachments {
			if at.ID == id {
				if _, err := s.p.DetachAddon(r.Context(), add.Name, at.App.Name, actorOf(r)); err != nil {
					return reply{}, err
				}
				return reply{http.StatusOK, at}, nil
			}
		}
	}
	return reply{}, fmt.Errorf("add-on attachment %s: %w: GET /apps/{app}/addon-attachments lists them", id, releases.ErrNotFound)
}
