package apiserver

import (
	"fmt"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const restartExample = `{"type": "web"} (or {} for every type)`

func (s *server) listProcesses(w http.ResponseWriter, r *http.Request) {
	procs, err := s.p.Processes(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if procs == nil {
		procs = []api.Process{} // [], never null
	}
	writeJSON(w, http.StatusOK, procs)
}

func (s *server) restart(w http.ResponseWriter, r *http.Request) {
	var req api.RestartRequest
	if e := decodeBody(w, r, &req, restartExample); e != nil {
		s.writeError(w, r, e)
		return
	}
	if req.Type != "" {
		if e := checkProcessType(req.Type, restartExample); e != nil {
			s.writeError(w, r, e)
			return
		}
	}
	app := mux.Vars(r)["app"]
	if err := s.p.Restart(r.Context(), app, req.Type); err != nil {
		s.fail(w, r, err)
		return
	}
	// The restart is done; the processes it started are the answer.
	procs, err := s.p.Processes(r.Context(), app)
	if err != nil {
		s.fail(w, r, fmt.Errorf("the processes restarted, but listing them failed: %w", err))
		return
	}
	if procs == nil {
		procs = []api.Process{}
	}
	writeJSON(w, http.StatusOK, procs)
}
