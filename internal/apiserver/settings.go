package apiserver

import (
	"encoding/json"
	"net/http"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const settingsExample = `{"auto-rollback": "on", "health-path": "/health", "boot-timeout": "90s"}`

func (s *server) getSettings(w http.ResponseWriter, r *http.Request) (reply, error) {
	st, err := s.p.Settings(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, st}, nil
}

func (s *server) updateSettings(w http.ResponseWriter, r *http.Request) (reply, error) {
	var raw map[string]json.RawMessage
	if e := decodeBody(w, r, &raw, settingsExample); e != nil {
		return reply{}, e
	}
	if len(raw) == 0 {
		return reply{}, invalidBody("nothing to change: give at least one setting", settingsExample)
	}
	// The names and values of settings are the platform's to check.
	values, e := stringsOf(raw, "settings", settingsExample)
	if e != nil {
		return reply{}, e
	}
	st, err := s.p.UpdateSettings(r.Context(), mux.Vars(r)["app"], api.SettingsUpdate(values))
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, st}, nil
}
