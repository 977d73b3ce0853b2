package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

const configUpdateExample = `{"FOO": "bar", "OLD_KEY": null}`

func (s *server) getConfig(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars, err := s.p.Config(r.Context(), mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	return configReply(vars), nil
}

func (s *server) updateConfig(w http.ResponseWriter, r *http.Request) (reply, error) {
	// Raw values first, so that a value of the wrong type can be named by
	// its key: encoding/json does not say which map entry it failed on.
	var raw map[string]json.RawMessage
	if e := decodeBody(w, r, &raw, configUpdateExample); e != nil {
		return reply{}, e
	}
	changes, e := configUpdateOf(raw)
	if e != nil {
		return reply{}, e
	}
	app := mux.Vars(r)["app"]
	rel, err := s.p.UpdateConfig(r.Context(), app, changes, actorOf(r))
	if err != nil {
		return reply{}, err
	}
	// The answer is the release's whole config, as Heroku's is; which
	// release the change made is told in headers of paas's own.
	vars, err := s.p.ReleaseConfig(r.Context(), app, rel.Version)
	if err != nil {
		return reply{}, err
	}
	w.Header().Set(api.ReleaseVersionHeader, strconv.Itoa(rel.Version))
	w.Header().Set(api.ReleaseIDHeader, rel.ID)
	return configReply(vars), nil
}

// getReleaseConfig answers a release's config vars.
func (s *server) getReleaseConfig(w http.ResponseWriter, r *http.Request) (reply, error) {
	app := mux.Vars(r)["app"]
	version, err := s.releaseVersion(r, app, mux.Vars(r)["release"])
	if err != nil {
		return reply{}, err
	}
	vars, err := s.p.ReleaseConfig(r.Context(), app, version)
	if err != nil {
		return reply{}, err
	}
	return configReply(vars), nil
}

func configReply(vars api.ConfigVars) reply {
	if vars == nil {
		vars = api.ConfigVars{} // {}, never null
	}
	return reply{http.StatusOK, vars}
}

// releaseVersion finds the release ident names: its version ("3" or "v3")
// or its id.
func (s *server) releaseVersion(r *http.Request, app, ident string) (int, error) {
	if !releases.IsUUID(ident) {
		v, err := api.ParseVersion(ident)
		if err != nil {
			return 0, badRequest(err.Error() + ", or by its id")
		}
		return v, nil
	}
	rels, err := s.p.Releases(r.Context(), app)
	if err != nil {
		return 0, err
	}
	for _, rel := range rels {
		if strings.EqualFold(rel.ID, ident) {
			return rel.Version, nil
		}
	}
	return 0, fmt.Errorf("release %s of %s: %w", ident, app, releases.ErrNotFound)
}

// configUpdateOf checks that every value is a string or null. Keys and
// values are otherwise the platform's to validate.
func configUpdateOf(raw map[string]json.RawMessage) (api.ConfigUpdate, *api.Error) {
	if len(raw) == 0 {
		return nil, invalidBody("nothing to change: give at least one KEY", configUpdateExample)
	}
	changes := make(api.ConfigUpdate, len(raw))
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		value := bytes.TrimSpace(raw[key])
		if string(value) == "null" {
			changes[key] = nil
			continue
		}
		var v string
		if err := json.Unmarshal(value, &v); err != nil {
			return nil, invalidBody(fmt.Sprintf("the value of %q is a JSON %s: values must be strings or null (null unsets the key)", key, jsonValueKind(value)), configUpdateExample)
		}
		changes[key] = &v
	}
	return changes, nil
}

// jsonValueKind names the type of v, a valid JSON value, by its first byte.
func jsonValueKind(v []byte) string {
	switch {
	case v[0] == '{':
		return "object"
	case v[0] == '[':
		return "array"
	case v[0] == 't' || v[0] == 'f':
		return "bool"
	case v[0] == '"':
		return "string"
	}
	return "number"
}
