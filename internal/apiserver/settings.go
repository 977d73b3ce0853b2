package apiserver

import (
	"encoding/json"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const settingsExample = `{"auto-rollback": "on", "health-path": "/health", "boot-timeout": "90s"}`

func (s *server) getSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.p.Settings(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *server) updateSettings(w http.ResponseWriter, r *http.Request) {
	var raw map[string]json.RawMessage
	if e := decodeBody(w, r, &raw, settingsExample); e != nil {
		s.writeError(w, r, e)
		return
	}
	if len(raw) == 0 {
		s.writeError(w, r, invalidBody("nothing to change: give at least one setting", settingsExample))
		return
	}
	// The names and values of settings are the platform's to check.
	values, e := stringsOf(raw, "settings", settingsExample)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	st, err := s.p.UpdateSettings(r.Context(), mux.Vars(r)["app"], api.SettingsUpdate(values))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
