package apiserver

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const (
	createAppExample = `{"name": "myapp"}`
	updateAppExample = `{"maintenance": true}`
)

// appKeys are what GET /apps can be ranged by.
var appKeys = []sortKey[api.App]{
	{name: "name", value: func(a api.App) string { return a.Name }},
	{name: "id", value: func(a api.App) string { return a.ID }},
}

func (s *server) listApps(w http.ResponseWriter, r *http.Request) (reply, error) {
	apps, err := s.p.Apps(r.Context())
	if err != nil {
		return reply{}, err
	}
	for i := range apps {
		apps[i] = normalizeApp(apps[i])
	}
	page, status, err := paginate(w, r, apps, appKeys...)
	if err != nil {
		return reply{}, err
	}
	return reply{status, page}, nil
}

// createApp makes an app, with a generated name if the body names none, as
// Heroku does.
func (s *server) createApp(w http.ResponseWriter, r *http.Request) (reply, error) {
	var req api.CreateAppRequest
	if e := decodeLenient(w, r, &req, createAppExample); e != nil {
		return reply{}, e
	}
	if req.Region != "" && req.Region != api.LocalRegion.Name && req.Region != api.LocalRegion.ID {
		return reply{}, invalidRequest(fmt.Sprintf("region %q: paas has one region, %q; leave region out", req.Region, api.LocalRegion.Name))
	}
	if req.Stack != "" && req.Stack != api.ContainerStack.Name && req.Stack != api.ContainerStack.ID {
		return reply{}, invalidRequest(fmt.Sprintf("stack %q: paas has one stack, %q; leave stack out", req.Stack, api.ContainerStack.Name))
	}
	if req.Name == "" {
		req.Name = generatedAppName()
	}
	app, err := s.p.CreateApp(r.Context(), req.Name)
	if err != nil {
		return reply{}, err
	}
	w.Header().Set("Location", "/apps/"+url.PathEscape(app.Name))
	return reply{http.StatusCreated, normalizeApp(app)}, nil
}

func (s *server) getApp(w http.ResponseWriter, r *http.Request) (reply, error) {
	app, err := s.p.App(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, normalizeApp(app)}, nil
}

func (s *server) updateApp(w http.ResponseWriter, r *http.Request) (reply, error) {
	var u api.AppUpdate
	if e := decodeLenient(w, r, &u, updateAppExample); e != nil {
		return reply{}, e
	}
	app, err := s.p.UpdateApp(r.Context(), mux.Vars(r)["app"], u)
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, normalizeApp(app)}, nil
}

// destroyApp answers with the app as it was, as Heroku does.
func (s *server) destroyApp(w http.ResponseWriter, r *http.Request) (reply, error) {
	name := mux.Vars(r)["app"]
	app, err := s.p.App(r.Context(), name)
	if err != nil {
		return reply{}, err
	}
	if err := s.p.DestroyApp(r.Context(), name); err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, normalizeApp(app)}, nil
}

func (s *server) getAccount(w http.ResponseWriter, r *http.Request) (reply, error) {
	a, err := s.p.Account(r.Context())
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, a}, nil
}

// normalizeApp sends an empty process list as [], never null, as the spec says.
func normalizeApp(a api.App) api.App {
	if a.Processes == nil {
		a.Processes = []api.Process{}
	}
	return a
}

// Words of generated app names, Heroku's style: "sturdy-river-4821".
var (
	nameAdjectives = []string{"amber", "bold", "brisk", "calm", "clever", "crisp", "eager", "fair", "gentle", "glad",
		"keen", "lively", "lucky", "mellow", "nimble", "proud", "quiet", "rapid", "shiny", "steady", "sturdy", "swift", "tidy", "vivid"}
	nameNouns = []string{"brook", "cloud", "dawn", "delta", "dune", "field", "forest", "glade", "harbor", "hill",
		"lake", "meadow", "mesa", "moon", "ocean", "peak", "pine", "reef", "ridge", "river", "shore", "sky", "stone", "valley"}
)

// generatedAppName is a fresh name for an app created without one. A clash
// with an existing app is a 409 the client can retry.
func generatedAppName() string {
	pick := func(words []string) string {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(words)))) // crypto/rand never fails
		return words[n.Int64()]
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(9000))
	return fmt.Sprintf("%s-%s-%d", pick(nameAdjectives), pick(nameNouns), 1000+n.Int64())
}
