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

const limitsExample = `{"web": "512m", "worker": "1g,pids=256,cpu=512"}`

func (s *server) getLimits(w http.ResponseWriter, r *http.Request) (reply, error) {
	l, err := s.p.Limits(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	if l == nil {
		l = api.Limits{} // {}, never null
	}
	return reply{http.StatusOK, l}, nil
}

func (s *server) setLimits(w http.ResponseWriter, r *http.Request) (reply, error) {
	var raw map[string]json.RawMessage
	if e := decodeBody(w, r, &raw, limitsExample); e != nil {
		return reply{}, e
	}
	change, e := limitsOf(raw)
	if e != nil {
		return reply{}, e
	}
	l, err := s.p.SetLimits(r.Context(), mux.Vars(r)["app"], change)
	if err != nil {
		return reply{}, err
	}
	if l == nil {
		l = api.Limits{}
	}
	return reply{http.StatusOK, l}, nil
}

// limitsOf checks every type's name and size.
func limitsOf(raw map[string]json.RawMessage) (api.Limits, *api.Error) {
	if len(raw) == 0 {
		return nil, invalidBody("nothing to change: give at least one process type and its limits", limitsExample)
	}
	values, e := stringsOf(raw, "limits", limitsExample)
	if e != nil {
		return nil, e
	}
	for _, typ := range slices.Sorted(maps.Keys(values)) {
		if e := checkProcessType(typ, limitsExample); e != nil {
			return nil, e
		}
		if _, err := api.ParseLimit(values[typ]); err != nil {
			return nil, invalidBody(fmt.Sprintf("the limit of %q: %v", typ, err), limitsExample)
		}
	}
	return api.Limits(values), nil
}

// stringsOf reads an object whose values must all be strings, naming the
// first key whose value is not.
func stringsOf(raw map[string]json.RawMessage, what, example string) (map[string]string, *api.Error) {
	out := make(map[string]string, len(raw))
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		value := bytes.TrimSpace(raw[key])
		var v string
		if value[0] != '"' || json.Unmarshal(value, &v) != nil {
			kind := jsonValueKind(value)
			if string(value) == "null" {
				kind = "null"
			}
			return nil, invalidBody(fmt.Sprintf("the value of %q is a JSON %s: %s are strings", key, kind, what), example)
		}
		out[key] = v
	}
	return out, nil
}
