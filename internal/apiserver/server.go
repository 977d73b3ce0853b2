package apiserver

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// Platform is what the handlers need; the daemon's coordinating layer
// implements it. Errors wrapping the releases sentinels (ErrNotFound,
// ErrExists, ErrInvalid) become 404, 409 and 400; any other error is a 500.
//
// actor is who asked for a change, as the request's ActorHeader names it
// (sanitized; DefaultActor when absent), for the new release's created_by.
type Platform interface {
	CreateApp(ctx context.Context, name string) (api.App, error)
	Apps(ctx context.Context) ([]api.App, error)
	// App finds an app by its name or its id; every other method takes
	// the name, which the routes find first.
	App(ctx context.Context, ident string) (api.App, error)
	// UpdateApp changes what u gives: maintenance mode.
	UpdateApp(ctx context.Context, app string, u api.AppUpdate) (api.App, error)
	DestroyApp(ctx context.Context, name string) error
	// Account is the API token's owner.
	Account(ctx context.Context) (api.Account, error)

	// CreateBuild starts building and releasing a source blob, or
	// releasing an image, and returns the pending build; Builds lists the
	// app's builds, oldest first; BuildOutput streams a build's output to
	// w (flushing it) until the build ends or ctx does, and says false for
	// an unknown secret. StreamBuildOutput does so for a build by its id
	// (or the start of it; "" for the newest), whenever it ran;
	// CancelBuild ends a pending or building one ("" for the newest).
	CreateBuild(ctx context.Context, app string, req api.BuildRequest) (api.Build, error)
	Builds(ctx context.Context, app string) ([]api.Build, error)
	StreamBuildOutput(ctx context.Context, app, build string, w io.Writer, flush func()) error
	CancelBuild(ctx context.Context, app, build string) (api.Build, error)
	// Dockerfile is how the app's deployed commit is built: the
	// Dockerfile paas generates for it, or the app's own.
	Dockerfile(ctx context.Context, app string) (api.GeneratedDockerfile, error)
	BuildOutput(ctx context.Context, secret string, w io.Writer, flush func()) bool

	// CreateAddon provisions a backing service for app and attaches it;
	// Addons lists app's ("" every app's); Addon finds one by name or id
	// (with its URL when showURL); DestroyAddon detaches and removes it,
	// data and all.
	CreateAddon(ctx context.Context, app string, req api.AddonRequest, actor string) (api.Addon, error)
	Addons(ctx context.Context, app string) ([]api.Addon, error)
	Addon(ctx context.Context, ident string, showURL bool) (api.Addon, error)
	DestroyAddon(ctx context.Context, ident, actor string) error
	// AttachAddon gives app the add-on too, as <as>_URL; DetachAddon takes
	// it away again.
	AttachAddon(ctx context.Context, ident, app, as, actor string) (api.Addon, error)
	DetachAddon(ctx context.Context, ident, app, actor string) (api.Addon, error)
	// A Postgres add-on's backups: CaptureBackup dumps it now; Backups
	// lists them, oldest first; OpenBackup opens one's file ("latest": the
	// newest); RestoreBackup puts one back; SetBackupSchedule makes it
	// back up daily at HH:MM UTC ("" stops).
	CaptureBackup(ctx context.Context, addon string) (api.Backup, error)
	Backups(ctx context.Context, addon string) ([]api.Backup, error)
	OpenBackup(ctx context.Context, addon, id string) (io.ReadCloser, api.Backup, error)
	RestoreBackup(ctx context.Context, addon, id string) (api.Backup, error)
	SetBackupSchedule(ctx context.Context, addon, at string) (api.Addon, error)
	// AddonConsole runs the add-on's own client (psql, redis-cli) attached
	// to the streams, command instead of its input if given, and returns
	// its exit code.
	AddonConsole(ctx context.Context, addon, command string, stdin io.Reader, stdout, stderr io.Writer) (int, error)

	// SetACM turns the app's automatic certificates on or off; RefreshACM
	// orders them again now; CertStatus is each host's certificate.
	SetACM(ctx context.Context, app string, on bool) (api.App, error)
	RefreshACM(ctx context.Context, app string) (api.App, error)
	CertStatus(ctx context.Context, app string) ([]api.CertStatus, error)
	// AddCert serves a user's certificate for the names it covers, as
	// app's; Certs lists them; RemoveCert stops serving one.
	AddCert(ctx context.Context, app, chainPEM, keyPEM string) (api.SNIEndpoint, error)
	Certs(ctx context.Context, app string) ([]api.SNIEndpoint, error)
	RemoveCert(ctx context.Context, app, name string) error

	// Config is the app's config vars; UpdateConfig applies changes (a nil
	// value unsets its key) as one new release and puts it live.
	Config(ctx context.Context, app string) (api.ConfigVars, error)
	UpdateConfig(ctx context.Context, app string, changes api.ConfigUpdate, actor string) (api.Release, error)
	// ReleaseConfig is the config vars of one release.
	ReleaseConfig(ctx context.Context, app string, version int) (api.ConfigVars, error)

	// Releases lists the app's releases, newest first.
	Releases(ctx context.Context, app string) ([]api.Release, error)
	Release(ctx context.Context, app string, version int) (api.Release, error)
	// Rollback appends a release with the build and config of version (0:
	// the release before the current one) and puts it live.
	Rollback(ctx context.Context, app string, version int, actor string) (api.Release, error)
	// VerifyReleases checks the app's digest chain; a broken chain is a
	// Verification that is not OK, not an error.
	VerifyReleases(ctx context.Context, app string) (api.Verification, error)
	DiffReleases(ctx context.Context, app string, from, to int) (api.ReleaseDiff, error)

	// Formation is how many processes of each type the app runs. Scale
	// changes the counts of the types in f, leaves the others alone, and
	// returns the whole new formation once the processes run.
	Formation(ctx context.Context, app string) (api.Formation, error)
	Scale(ctx context.Context, app string, f api.Formation, actor string) (api.Formation, error)
	// Processes lists the app's processes, one-off ones included.
	Processes(ctx context.Context, app string) ([]api.Process, error)
	// Restart replaces the processes of processType ("" for all) with new
	// ones, with the same no-downtime rules as a deploy.
	Restart(ctx context.Context, app, processType string) error
	// RestartProcess replaces one process (web.2); StopProcess stops one,
	// as Heroku's dyno stop: a one-off ends, a process of the formation is
	// replaced.
	RestartProcess(ctx context.Context, app, name string) error
	StopProcess(ctx context.Context, app, name string) error
	// Limits are the effective memory limits of every type of the current
	// release; SetLimits changes those of the types in l and returns them
	// all.
	Limits(ctx context.Context, app string) (api.Limits, error)
	SetLimits(ctx context.Context, app string, l api.Limits) (api.Limits, error)
	Settings(ctx context.Context, app string) (api.Settings, error)
	UpdateSettings(ctx context.Context, app string, u api.SettingsUpdate) (api.Settings, error)
	// Run runs a one-off process. Attached, stdin feeds it, its output goes
	// to stdout and stderr, and the result has its exit status; ctx ends
	// when the client is gone, and the process must stop then. Detached,
	// stdin, stdout and stderr are nil, Run returns once the process
	// started, and ctx ends with the request: the process must outlive it.
	Run(ctx context.Context, app string, req api.RunRequest, stdin io.Reader, stdout, stderr io.Writer) (api.RunResult, error)

	// Domains are the app's custom domains, sorted, besides the
	// "<app>.<PAAS_DOMAIN>" every app has. AddDomain and RemoveDomain
	// change them, route the change at once, and return the new list. A
	// domain belongs to one app: adding one another app has is ErrExists.
	Domains(ctx context.Context, app string) ([]string, error)
	AddDomain(ctx context.Context, app, domain string) ([]string, error)
	RemoveDomain(ctx context.Context, app, domain string) ([]string, error)
}

type server struct {
	p   Platform
	log *slog.Logger

	// Timing of attached runs' connections.
	//
	// runKeepAlive is how often the server writes to a run's connection
	// when the process does not, so that it notices a client that is gone
	// and stops the process.
	runKeepAlive time.Duration
	// runLinger bounds how long the server waits, after the final frame,
	// for the client to close: closing first with stdin still unread would
	// reset the connection and could lose that frame.
	runLinger time.Duration
}

const (
	defaultRunKeepAlive = 15 * time.Second
	defaultRunLinger    = 5 * time.Second
)

// Register adds the API's routes to r: Heroku's Platform API, with paas's
// own resources (limits, settings, runs, release verify and diff) beside. Auth
// is applied by the caller's middleware, not here. Every response has a
// Request-Id, and every one of an unknown path or a wrong method is a JSON
// error.
func Register(r *mux.Router, p Platform, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	s := &server{p: p, log: logger, runKeepAlive: defaultRunKeepAlive, runLinger: defaultRunLinger}
	r.NotFoundHandler = conventions(http.HandlerFunc(s.notFound))
	r.Use(conventions, s.resolveApp)
	s.routes(r)
}

func (s *server) routes(r *mux.Router) {
	r.Handle("/account", s.byMethod(methods{http.MethodGet: s.handle(s.getAccount)}))
	r.Handle("/apps", s.byMethod(methods{http.MethodGet: s.handle(s.listApps), http.MethodPost: s.handle(s.createApp)}))
	r.Handle("/apps/{app}", s.byMethod(methods{http.MethodGet: s.handle(s.getApp), http.MethodPatch: s.handle(s.updateApp), http.MethodDelete: s.handle(s.destroyApp)}))
	r.Handle("/apps/{app}/config-vars", s.byMethod(methods{http.MethodGet: s.handle(s.getConfig), http.MethodPatch: s.handle(s.updateConfig)}))
	r.Handle("/apps/{app}/formation", s.byMethod(methods{http.MethodGet: s.handle(s.listFormation), http.MethodPatch: s.handle(s.updateFormation)}))
	r.Handle("/apps/{app}/formation/{type}", s.byMethod(methods{http.MethodGet: s.handle(s.getFormationType), http.MethodPatch: s.handle(s.updateFormationType)}))
	r.Handle("/apps/{app}/dynos", s.byMethod(methods{http.MethodGet: s.handle(s.listProcesses), http.MethodPost: s.handle(s.createDyno), http.MethodDelete: s.handle(s.restartAll)}))
	r.Handle("/apps/{app}/dynos/{dyno}", s.byMethod(methods{http.MethodGet: s.handle(s.getProcess), http.MethodDelete: s.handle(s.restartProcess)}))
	r.Handle("/apps/{app}/dynos/{dyno}/actions/stop", s.byMethod(methods{http.MethodPost: s.handle(s.stopProcess)}))
	r.Handle("/apps/{app}/formations/{type}", s.byMethod(methods{http.MethodDelete: s.handle(s.restartType)}))
	// paas's own: an attached one-off over the run protocol.
	r.Handle("/apps/{app}/runs", s.byMethod(methods{http.MethodPost: s.createRun}))
	r.Handle("/apps/{app}/acm", s.byMethod(methods{http.MethodGet: s.handle(s.acmStatus), http.MethodPost: s.handle(s.enableACM),
		http.MethodDelete: s.handle(s.disableACM), http.MethodPatch: s.handle(s.refreshACM)}))
	r.Handle("/apps/{app}/sni-endpoints", s.byMethod(methods{http.MethodGet: s.handle(s.listSNIEndpoints), http.MethodPost: s.handle(s.addSNIEndpoint)}))
	r.Handle("/apps/{app}/sni-endpoints/{sni}", s.byMethod(methods{http.MethodDelete: s.handle(s.removeSNIEndpoint)}))
	r.Handle("/apps/{app}/domains", s.byMethod(methods{http.MethodGet: s.handle(s.listDomains), http.MethodPost: s.handle(s.addDomain)}))
	r.Handle("/apps/{app}/domains/{domain}", s.byMethod(methods{http.MethodGet: s.handle(s.getDomain), http.MethodDelete: s.handle(s.removeDomain)}))
	r.Handle("/apps/{app}/builds", s.byMethod(methods{http.MethodGet: s.handle(s.listBuilds), http.MethodPost: s.handle(s.createBuild)}))
	r.Handle("/apps/{app}/builds/{build}", s.byMethod(methods{http.MethodGet: s.handle(s.getBuild)}))
	// paas's own: a build's output whenever it ran, and its cancel.
	r.Handle("/apps/{app}/builds/{build}/output", s.byMethod(methods{http.MethodGet: s.streamBuildOutput}))
	r.Handle("/apps/{app}/builds/{build}/actions/cancel", s.byMethod(methods{http.MethodPost: s.handle(s.cancelBuild)}))
	r.Handle("/apps/{app}/addons", s.byMethod(methods{http.MethodGet: s.handle(s.listAddons), http.MethodPost: s.handle(s.createAddon)}))
	r.Handle("/apps/{app}/addons/{addon}", s.byMethod(methods{http.MethodGet: s.handle(s.getAddon), http.MethodDelete: s.handle(s.destroyAddon)}))
	r.Handle("/apps/{app}/addon-attachments", s.byMethod(methods{http.MethodGet: s.handle(s.listAttachments)}))
	r.Handle("/addon-attachments", s.byMethod(methods{http.MethodPost: s.handle(s.createAttachment)}))
	r.Handle("/addon-attachments/{attachment}", s.byMethod(methods{http.MethodDelete: s.handle(s.deleteAttachment)}))
	// paas's own: a Postgres add-on's backups.
	r.Handle("/addons/{addon}/backups", s.byMethod(methods{http.MethodGet: s.handle(s.listBackups), http.MethodPost: s.handle(s.captureBackup)}))
	r.Handle("/addons/{addon}/backups/{backup}/download", s.byMethod(methods{http.MethodGet: s.downloadBackup}))
	r.Handle("/addons/{addon}/backups/{backup}/actions/restore", s.byMethod(methods{http.MethodPost: s.handle(s.restoreBackup)}))
	r.Handle("/addons/{addon}/console", s.byMethod(methods{http.MethodPost: s.addonConsole}))
	r.Handle("/addons/{addon}/backup-schedule", s.byMethod(methods{http.MethodPut: s.handle(s.setBackupSchedule)}))
	r.Handle("/addons", s.byMethod(methods{http.MethodGet: s.handle(s.listAddons)}))
	r.Handle("/addons/{addon}", s.byMethod(methods{http.MethodGet: s.handle(s.getAddon), http.MethodDelete: s.handle(s.destroyAddon)}))
	r.Handle("/apps/{app}/dockerfile", s.byMethod(methods{http.MethodGet: s.handle(s.getDockerfile)}))
	r.Handle(api.BuildOutputPath+"{secret}", s.byMethod(methods{http.MethodGet: s.buildOutput}))
	r.Handle("/apps/{app}/releases", s.byMethod(methods{http.MethodGet: s.handle(s.listReleases), http.MethodPost: s.handle(s.rollback)}))
	// Before {release}, which would otherwise take "verify" and "diff" as
	// releases: paas's own, the digest chain and what changed between two.
	r.Handle("/apps/{app}/releases/verify", s.byMethod(methods{http.MethodGet: s.handle(s.verifyReleases)}))
	r.Handle("/apps/{app}/releases/diff", s.byMethod(methods{http.MethodGet: s.handle(s.diffReleases)}))
	r.Handle("/apps/{app}/releases/{release}", s.byMethod(methods{http.MethodGet: s.handle(s.getRelease)}))
	r.Handle("/apps/{app}/releases/{release}/config-vars", s.byMethod(methods{http.MethodGet: s.handle(s.getReleaseConfig)}))

	// paas's own, beside Heroku's resources: limits and settings of an app.
	r.Handle("/apps/{app}/limits", s.byMethod(methods{http.MethodGet: s.handle(s.getLimits), http.MethodPatch: s.handle(s.setLimits)}))
	r.Handle("/apps/{app}/settings", s.byMethod(methods{http.MethodGet: s.handle(s.getSettings), http.MethodPatch: s.handle(s.updateSettings)}))
	r.Handle("/openapi.yaml", s.byMethod(methods{http.MethodGet: serveSpec}))
}

// resolveApp lets every route that takes an app take its id too: an id in
// the path is swapped for the app's name before the route runs, so the
// routes and the platform deal in names only.
func (s *server) resolveApp(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vars := mux.Vars(r)
		ident, ok := vars["app"]
		if !ok || !releases.IsUUID(ident) {
			next.ServeHTTP(w, r)
			return
		}
		app, err := s.p.App(r.Context(), ident)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		resolved := maps.Clone(vars)
		resolved["app"] = app.Name
		next.ServeHTTP(w, mux.SetURLVars(r, resolved))
	})
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
		s.writeError(w, r, &api.Error{StatusCode: http.StatusMethodNotAllowed, ID: api.IDMethodNotAllowed,
			Message: r.Method + " is not supported on " + r.URL.Path + ": use " + strings.Join(allowed, " or ")})
	})
}

func serveSpec(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(api.OpenAPISpec)
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound,
		Message: "no API route " + r.URL.Path + ": see /openapi.yaml for the routes"})
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

func (s *server) writeError(w http.ResponseWriter, r *http.Request, e *api.Error) {
	s.log.Debug("api request refused", "method", r.Method, "path", r.URL.Path, "status", e.StatusCode, "id", e.ID)
	writeJSON(w, e.StatusCode, e)
}

// reply is what an endpoint answers: a status and a body written as JSON.
type reply struct {
	status int
	body   any
}

// endpoint does one route's work and returns its reply, or an error that
// handle maps to the API's error answer: the one place that writes JSON and
// maps errors for every route but the streaming ones (logs, runs, build
// output).
type endpoint func(w http.ResponseWriter, r *http.Request) (reply, error)

// handle adapts an endpoint to an http.HandlerFunc.
func (s *server) handle(e endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rep, err := e(w, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, rep.status, rep.body)
	}
}
