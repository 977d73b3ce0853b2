package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const scaleExample = `{"web": 3, "worker": 1}`

// maxScale is the most processes of one type an app can run.
const maxScale = 100

func (s *server) getFormation(w http.ResponseWriter, r *http.Request) {
	f, err := s.p.Formation(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f == nil {
		f = api.Formation{} // {}, never null
	}
	writeJSON(w, http.StatusOK, f)
}

func (s *server) scale(w http.ResponseWriter, r *http.Request) {
	// Raw values first, as for config: encoding/json does not say which map
	// entry has the wrong type.
	var raw map[string]json.RawMessage
	if e := decodeBody(w, r, &raw, scaleExample); e != nil {
		s.writeError(w, r, e)
		return
	}
	change, e := formationOf(raw)
	if e != nil {
		s.writeError(w, r, e)
		return
	}
	f, err := s.p.Scale(r.Context(), mux.Vars(r)["app"], change, actorOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f == nil {
		f = api.Formation{}
	}
	writeJSON(w, http.StatusOK, f)
}

// formationOf checks every type's name and count; whether the release has
// the type is the platform's to say.
func formationOf(raw map[string]json.RawMessage) (api.Formation, *api.Error) {
	if len(raw) == 0 {
		return nil, invalidBody("nothing to scale: give at least one process type and its count", scaleExample)
	}
	f := make(api.Formation, len(raw))
	for _, typ := range slices.Sorted(maps.Keys(raw)) {
		if e := checkProcessType(typ, scaleExample); e != nil {
			return nil, e
		}
		var n int
		value := bytes.TrimSpace(raw[typ])
		// null would decode as 0 without an error.
		if string(value) == "null" || json.Unmarshal(value, &n) != nil || n < 0 || n > maxScale {
			return nil, invalidBody(fmt.Sprintf("the count of %q is %s: counts are whole numbers from 0 to %d", typ, clip(value), maxScale), scaleExample)
		}
		f[typ] = n
	}
	return f, nil
}

func checkProcessType(typ, example string) *api.Error {
	if err := api.ValidateProcessType(typ); err != nil {
		return invalidBody(err.Error(), example)
	}
	return nil
}

// clip shortens a value quoted back in a message.
func clip(b []byte) string {
	const maxShown = 40
	if len(b) > maxShown {
		return string(b[:maxShown]) + "..."
	}
	return string(b)
}
