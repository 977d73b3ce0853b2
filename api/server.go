package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
)

// Platform is what the handlers need; the daemon's coordinating layer
// implements it. Errors wrapping the releases sentinels (ErrNotFound,
// ErrExists, ErrInvalid) become 404, 409 and 400; any other error is a 500.
//
// actor is who asked for a change, as the request's ActorHeader names it
// (sanitized; DefaultActor when absent), for the new release's created_by.
type Platform interface {
	CreateApp(ctx context.Context, name string) (App, error)
	Apps(ctx context.Context) ([]App, error)
	App(ctx context.Context, name string) (App, error)
	DestroyApp(ctx context.Context, name string) error

	// Config is the app's config vars; UpdateConfig applies changes (a nil
	// value unsets its key) as one new release and puts it live.
	Config(ctx context.Context, app string) (ConfigVars, error)
	UpdateConfig(ctx context.Context, app string, changes ConfigUpdate, actor string) (Release, error)

	// Releases lists the app's releases, newest first.
	Releases(ctx context.Context, app string) ([]Release, error)
	Release(ctx context.Context, app string, version int) (Release, error)
	// Rollback appends a release with the build and config of version (0:
	// the release before the current one) and puts it live.
	Rollback(ctx context.Context, app string, version int, actor string) (Release, error)
	// VerifyReleases checks the app's digest chain; a broken chain is a
	// Verification that is not OK, not an error.
	VerifyReleases(ctx context.Context, app string) (Verification, error)
	DiffReleases(ctx context.Context, app string, from, to int) (ReleaseDiff, error)
}

//go:embed openapi.yaml
var openAPISpec []byte

type server struct {
	p   Platform
	log *slog.Logger
}

// Register adds the /v1 routes to r. Auth is applied by the caller's
// middleware, not here. Every response under /v1, including unknown paths and
// wrong methods, is JSON.
func Register(r *mux.Router, p Platform, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	s := &server{p: p, log: logger}
	v1 := r.PathPrefix("/v1").Subrouter()
	v1.NotFoundHandler = http.HandlerFunc(s.notFound)

	v1.Handle("/apps", s.byMethod(methods{http.MethodGet: s.listApps, http.MethodPost: s.createApp}))
	v1.Handle("/apps/{app}", s.byMethod(methods{http.MethodGet: s.getApp, http.MethodDelete: s.destroyApp}))
	v1.Handle("/apps/{app}/config", s.byMethod(methods{http.MethodGet: s.getConfig, http.MethodPatch: s.updateConfig}))
	v1.Handle("/apps/{app}/releases", s.byMethod(methods{http.MethodGet: s.listReleases, http.MethodPost: s.rollback}))
	// Before {version}, which would otherwise take "verify" and "diff" as versions.
	v1.Handle("/apps/{app}/releases/verify", s.byMethod(methods{http.MethodGet: s.verifyReleases}))
	v1.Handle("/apps/{app}/releases/diff", s.byMethod(methods{http.MethodGet: s.diffReleases}))
	v1.Handle("/apps/{app}/releases/{version}", s.byMethod(methods{http.MethodGet: s.getRelease}))
	v1.Handle("/openapi.yaml", s.byMethod(methods{http.MethodGet: serveSpec}))
}

// methods maps an HTTP method to its handler on one path.
type methods map[string]http.HandlerFunc

// byMethod dispatches on the request method itself rather than with mux's
// Methods matcher: mux v1.8.1 loses the "method not allowed" outcome in a
// subrouter with several paths and answers 404 instead.
func (s *server) byMethod(m methods) http.Handler {
	allowed := slices.Sorted(maps.Keys(m))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := m[r.Method]; ok {
			h(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.writeError(w, r, &Error{StatusCode: http.StatusMethodNotAllowed, ID: IDMethodNotAllowed,
			Message: r.Method + " is not supported on " + r.URL.Path + ": use " + strings.Join(allowed, " or ")})
	})
}

func serveSpec(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(openAPISpec)
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, &Error{StatusCode: http.StatusNotFound, ID: IDNotFound,
		Message: "no API route " + r.URL.Path + ": see /v1/openapi.yaml for the routes"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status is sent; an encoding failure here can only be a broken connection.
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers with the response err maps to; server-side failures are logged
// because the client only sees their text.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := errorFor(err)
	if e.StatusCode >= http.StatusInternalServerError {
		s.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	s.writeError(w, r, e)
}

func (s *server) writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	s.log.Debug("api request refused", "method", r.Method, "path", r.URL.Path, "status", e.StatusCode, "id", e.ID)
	writeJSON(w, e.StatusCode, e)
}
