package apiserver

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

const createDynoExample = `{"command": "rake db:migrate"}`

// processKeys are what GET /apps/{app}/dynos can be ranged by.
var processKeys = []sortKey[api.Process]{
	{name: "name", value: func(p api.Process) string { return p.Name }},
	{name: "id", value: func(p api.Process) string { return p.ID }},
}

func (s *server) listProcesses(w http.ResponseWriter, r *http.Request) (reply, error) {
	procs, err := s.p.Processes(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	page, status, err := paginate(w, r, procs, processKeys...)
	if err != nil {
		return reply{}, err
	}
	return reply{status, page}, nil
}

// getProcess finds one process by its name ("web.1") or its id.
func (s *server) getProcess(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	procs, err := s.p.Processes(r.Context(), vars["app"])
	if err != nil {
		return reply{}, err
	}
	for _, p := range procs {
		if p.Name == vars["dyno"] || strings.EqualFold(p.ID, vars["dyno"]) {
			return reply{http.StatusOK, p}, nil
		}
	}
	return reply{}, fmt.Errorf("process %s of %s: %w: run paasctl ps to list them", vars["dyno"], vars["app"], releases.ErrNotFound)
}

// restartAll is Heroku's DELETE /apps/{app}/dynos: every process replaced
// by a fresh one, without downtime. The answer is {}, as Heroku's.
func (s *server) restartAll(w http.ResponseWriter, r *http.Request) (reply, error) {
	if err := s.p.Restart(r.Context(), mux.Vars(r)["app"], ""); err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, struct{}{}}, nil
}

// restartType is Heroku's DELETE /apps/{app}/formations/{type}.
func (s *server) restartType(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	if err := api.ValidateProcessType(vars["type"]); err != nil {
		return reply{}, invalidRequest(err.Error())
	}
	if err := s.p.Restart(r.Context(), vars["app"], vars["type"]); err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, struct{}{}}, nil
}

// createDyno is Heroku's one-off dyno, run detached: it answers 201 with
// the process once it started; its output goes to the log stream.
func (s *server) createDyno(w http.ResponseWriter, r *http.Request) (reply, error) {
	var req api.CreateDynoRequest
	if e := decodeLenient(w, r, &req, createDynoExample); e != nil {
		return reply{}, e
	}
	app := mux.Vars(r)["app"]
	switch {
	case strings.TrimSpace(req.Command) == "":
		return reply{}, invalidBody(`"command" is missing or empty`, createDynoExample)
	case req.Attach:
		return reply{}, invalidRequest("an attached one-off runs over paas's run protocol: POST " + api.AppPath(app) + "/runs (paasctl run does), or send attach false to run it in the background")
	case len(req.Env) > 0:
		return reply{}, invalidRequest(`"env" is not supported: a one-off runs with the app's config vars; set more with PATCH ` + api.AppPath(app) + "/config-vars")
	case req.Size != "":
		return reply{}, invalidRequest(`"size" is not supported: a one-off gets the "run" limits; change them with paasctl ps:limit run=SIZE`)
	}
	res, err := s.p.Run(r.Context(), app, api.RunRequest{Command: req.Command}, nil, nil, nil)
	if err != nil {
		return reply{}, err
	}
	procs, err := s.p.Processes(r.Context(), app)
	if err != nil {
		return reply{}, fmt.Errorf("the one-off %s started, but listing it failed: %w", res.Process, err)
	}
	out := api.Process{Name: res.Process, Type: "run", State: "starting", Command: req.Command} // if it ended already
	for _, p := range procs {
		if p.Name == res.Process {
			out = p
		}
	}
	w.Header().Set("Location", api.AppPath(app)+"/dynos/"+res.Process)
	return reply{http.StatusCreated, out}, nil
}

// restartProcess is Heroku's DELETE /apps/{app}/dynos/{dyno}: one process
// replaced, without downtime. The answer is {}.
func (s *server) restartProcess(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	name, err := s.processName(r, vars["app"], vars["dyno"])
	if err != nil {
		return reply{}, err
	}
	if err := s.p.RestartProcess(r.Context(), vars["app"], name); err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, struct{}{}}, nil
}

// stopProcess is Heroku's POST /apps/{app}/dynos/{dyno}/actions/stop.
func (s *server) stopProcess(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	name, err := s.processName(r, vars["app"], vars["dyno"])
	if err != nil {
		return reply{}, err
	}
	if err := s.p.StopProcess(r.Context(), vars["app"], name); err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, struct{}{}}, nil
}

// processName finds a process's name from its name or its id.
func (s *server) processName(r *http.Request, app, ident string) (string, error) {
	if !releases.IsUUID(ident) {
		return ident, nil
	}
	procs, err := s.p.Processes(r.Context(), app)
	if err != nil {
		return "", err
	}
	for _, p := range procs {
		if strings.EqualFold(p.ID, ident) {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("process %s of %s: %w: run paasctl ps to list them", ident, app, releases.ErrNotFound)
}
