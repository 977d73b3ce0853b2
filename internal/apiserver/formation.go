package apiserver

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

const (
	formationBatchExample = `{"updates": [{"type": "web", "quantity": 2}, {"type": "worker", "quantity": "+1", "size": "1g"}]}`
	formationTypeExample  = `{"quantity": 2, "size": "standard-2X"}`
)

// maxScale is the most processes of one type an app can run.
const maxScale = 100

// formationKeys are what GET /apps/{app}/formation can be ranged by.
var formationKeys = []sortKey[api.FormationEntry]{
	{name: "type", value: func(f api.FormationEntry) string { return f.Type }},
	{name: "id", value: func(f api.FormationEntry) string { return f.ID }},
}

// formation builds the app's formation entries from what the platform
// keeps apart: the counts, the memory limits, the current release's
// commands.
func (s *server) formation(r *http.Request, app string) ([]api.FormationEntry, error) {
	ctx := r.Context()
	a, err := s.p.App(ctx, app)
	if err != nil {
		return nil, err
	}
	counts, err := s.p.Formation(ctx, app)
	if err != nil {
		return nil, err
	}
	limits, err := s.p.Limits(ctx, app)
	if err != nil {
		return nil, err
	}
	var commands map[string]string
	if a.CurrentRelease > 0 {
		rel, err := s.p.Release(ctx, app, a.CurrentRelease)
		if err != nil {
			return nil, err
		}
		commands = rel.Commands
	}
	var out []api.FormationEntry
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		size := ""
		if l, err := api.ParseLimit(limits[t]); err == nil {
			size = api.FormatMemory(l.Memory)
		}
		out = append(out, api.FormationEntry{
			ID: releases.ChildID(a.ID, releases.KindFormation, t), App: api.NamedRef{ID: a.ID, Name: a.Name},
			Type: t, Quantity: counts[t], Size: size,
			DynoSize: api.NamedRef{ID: releases.ChildID(a.ID, "size", size), Name: size},
			Command:  commands[t], CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		})
	}
	return out, nil
}

func (s *server) listFormation(w http.ResponseWriter, r *http.Request) (reply, error) {
	entries, err := s.formation(r, mux.Vars(r)["app"])
	if err != nil {
		return reply{}, err
	}
	page, status, err := paginate(w, r, entries, formationKeys...)
	if err != nil {
		return reply{}, err
	}
	return reply{status, page}, nil
}

// formationEntry finds one process type by its type or its id.
func (s *server) formationEntry(r *http.Request, app, ident string) (api.FormationEntry, error) {
	entries, err := s.formation(r, app)
	if err != nil {
		return api.FormationEntry{}, err
	}
	for _, e := range entries {
		if e.Type == ident || strings.EqualFold(e.ID, ident) {
			return e, nil
		}
	}
	return api.FormationEntry{}, fmt.Errorf("process type %s of %s: %w (see the Procfile)", ident, app, releases.ErrNotFound)
}

func (s *server) getFormationType(w http.ResponseWriter, r *http.Request) (reply, error) {
	vars := mux.Vars(r)
	e, err := s.formationEntry(r, vars["app"], vars["type"])
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, e}, nil
}

// updateFormation is Heroku's batch update: every update names its type.
func (s *server) updateFormation(w http.ResponseWriter, r *http.Request) (reply, error) {
	var batch api.FormationBatchUpdate
	if e := decodeLenient(w, r, &batch, formationBatchExample); e != nil {
		return reply{}, e
	}
	if len(batch.Updates) == 0 {
		return reply{}, invalidBody(`"updates" is missing or empty: give at least one process type`, formationBatchExample)
	}
	app := mux.Vars(r)["app"]
	changed, err := s.applyFormation(r, app, batch.Updates, formationBatchExample)
	if err != nil {
		return reply{}, err
	}
	entries, err := s.formation(r, app)
	if err != nil {
		return reply{}, err
	}
	out := []api.FormationEntry{}
	for _, e := range entries {
		if slices.Contains(changed, e.Type) {
			out = append(out, e)
		}
	}
	return reply{http.StatusOK, out}, nil
}

// updateFormationType changes the one process type the path names.
func (s *server) updateFormationType(w http.ResponseWriter, r *http.Request) (reply, error) {
	var u api.FormationUpdate
	if e := decodeLenient(w, r, &u, formationTypeExample); e != nil {
		return reply{}, e
	}
	vars := mux.Vars(r)
	cur, err := s.formationEntry(r, vars["app"], vars["type"])
	if err != nil {
		return reply{}, err
	}
	u.Type = cur.Type
	if _, err := s.applyFormation(r, vars["app"], []api.FormationUpdate{u}, formationTypeExample); err != nil {
		return reply{}, err
	}
	e, err := s.formationEntry(r, vars["app"], cur.Type)
	if err != nil {
		return reply{}, err
	}
	return reply{http.StatusOK, e}, nil
}

// applyFormation checks every update before it changes anything, then
// sets the sizes and scales, and returns the types it changed.
func (s *server) applyFormation(r *http.Request, app string, updates []api.FormationUpdate, example string) ([]string, error) {
	current, err := s.p.Formation(r.Context(), app)
	if err != nil {
		return nil, err
	}
	counts := api.Formation{}
	sizes := api.Limits{}
	var changed []string
	for _, u := range updates {
		if err := api.ValidateProcessType(u.Type); err != nil {
			return nil, invalidBody(err.Error(), example)
		}
		if _, ok := current[u.Type]; !ok {
			types := slices.Sorted(maps.Keys(current))
			return nil, invalidRequest(fmt.Sprintf("the app has no process type %q; its types are %s (see the Procfile)", u.Type, strings.Join(types, ", ")))
		}
		if u.Quantity != nil {
			n := u.Quantity.N
			if u.Quantity.Relative {
				n += current[u.Type]
			}
			if n < 0 || n > maxScale {
				return nil, invalidBody(fmt.Sprintf("the quantity of %q would be %d: counts are whole numbers from 0 to %d", u.Type, n, maxScale), example)
			}
			counts[u.Type] = n
		}
		size := u.Size
		if u.DynoSize != nil && u.DynoSize.Name != "" {
			size = u.DynoSize.Name
		}
		if size != "" {
			mem, err := api.ParseSize(size)
			if err != nil {
				return nil, invalidBody(err.Error(), example)
			}
			sizes[u.Type] = api.FormatMemory(mem)
		}
		if u.Quantity == nil && size == "" {
			return nil, invalidBody(fmt.Sprintf("the update of %q changes nothing: give a quantity or a size", u.Type), example)
		}
		changed = append(changed, u.Type)
	}
	if len(sizes) > 0 {
		if _, err := s.p.SetLimits(r.Context(), app, sizes); err != nil {
			return nil, err
		}
	}
	if len(counts) > 0 {
		if _, err := s.p.Scale(r.Context(), app, counts, actorOf(r)); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

func checkProcessType(typ, example string) *api.Error {
	if err := api.ValidateProcessType(typ); err != nil {
		return invalidBody(err.Error(), example)
	}
	return nil
}
