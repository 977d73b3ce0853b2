package apiserver

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

const buildExample = `{"source_blob": {"url": "https://example.com/app.tar.gz", "checksum": "SHA256:...", "version": "v1.2"}} or {"image": "myimage:1.0"}`

// buildKeys are what GET /apps/{app}/builds can be ranged by.
var buildKeys = []sortKey[api.Build]{
	{name: "created_at", value: func(b api.Build) string { return b.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000000Z") }},
	{name: "id", value: func(b api.Build) string { return b.ID }},
}

// withOutputURL makes a build's output URL absolute, as Heroku's clients
// open it as it is.
func withOutputURL(r *http.Request, b api.Build) api.Build {
	if strings.HasPrefix(b.OutputStreamURL, "/") {
		b.OutputStreamURL = baseURL(r) + b.OutputStreamURL
	}
	if b.Buildpacks == nil {
		b.Buildpacks = []struct{}{}
	}
	return b
}

// createBuild is Heroku's POST /apps/{app}/builds: the source blob is
// fetched, built and released as a git push of its tree would be. The
// answer comes at once, 201 with the pending build.
func (s *server) createBuild(w http.ResponseWriter, r *http.Request) (reply, error) {
	var req api.BuildRequest
	if e := decodeLenient(w, r, &req, buildExample); e != nil {
		return reply{}, e
	}
	switch {
	case req.SourceBlob.URL == "" && req.Image == "":
		return reply{}, invalidBody(`"source_blob.url" is missing: give the URL of a gzip-compressed tar archive of the source, or "image" to release an image the Docker Engine has`, buildExample)
	case req.SourceBlob.URL != "" && req.Image != "":
		return reply{}, invalidBody(`give "source_blob" or "image", not both`, buildExample)
	}
	app := mux.Vars(r)["app"]
	b, err := s.p.CreateBuild(r.Context(), app, req)
	if err != nil {
		return reply{}, err
	}
	w.Header().Set("Location", api.AppPath(app)+"/builds/"+b.ID)
	return reply{http.StatusCreated, withOutputURL(r, b)}, nil
}

func (s *server) listBuilds(w http.ResponseWriter, r *http.Request) (reply, error) {
	bs, err := s.p.Builds(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	for i := range bs {
		bs[i] = withOutputURL(r, bs[i])
	}
	page, status, err := paginate(w, r, bs, buildKeys...)
	if err != nil {
		return reply{}, err
	}
	return reply{status, page}, nil
}

func (s *server) getBuild(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	bs, err := s.p.Builds(r.Context(), vars["app"])
	if err != nil {
		return reply{}, err
	}
	for _, b := range bs {
		if strings.EqualFold(b.ID, vars["build"]) {
			return reply{http.StatusOK, withOutputURL(r, b)}, nil
		}
	}
	return reply{}, fmt.Errorf("build %s of %s: %w", vars["build"], vars["app"], releases.ErrNotFound)
}

// buildOutput streams a build's output, plain text, until the build ends.
func (s *server) buildOutput(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	started := false
	ok := s.p.BuildOutput(r.Context(), mux.Vars(r)["secret"], writerFunc(func(p []byte) (int, error) {
		started = true
		return w.Write(p)
	}), func() { _ = rc.Flush() })
	if !ok && !started {
		s.writeError(w, r, &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound,
			Message: "no such build output, or it expired: see the build with GET /apps/{app}/builds/{build}"})
	}
}

// streamBuildOutput is paas's own GET /apps/{app}/builds/{build}/output:
// the build's output, plain text, following a build still running; build
// "latest" is the newest.
func (s *server) streamBuildOutput(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	build := vars["build"]
	if build == "latest" {
		build = ""
	}
	rc := http.NewResponseController(w)
	started := false
	err := s.p.StreamBuildOutput(r.Context(), vars["app"], build, writerFunc(func(p []byte) (int, error) {
		if !started {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			started = true
		}
		return w.Write(p)
	}), func() { _ = rc.Flush() })
	if err != nil && !started {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		s.log.Warn("stream build output", "app", vars["app"], "build", build, "err", err)
	}
	if !started { // an empty output
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
	}
}

// cancelBuild is paas's own POST /apps/{app}/builds/{build}/actions/cancel;
// build "latest" is the newest pending or building one.
func (s *server) cancelBuild(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	build := vars["build"]
	if build == "latest" {
		build = ""
	}
	b, err := s.p.CancelBuild(r.Context(), vars["app"], build)
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusAccepted, withOutputURL(r, b)}, nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (s *server) getDockerfile(w http.ResponseWriter, r *http.Request) (reply, error) {
	df, err := s.p.Dockerfile(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, df}, nil
}
