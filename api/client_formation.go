package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
)

// FormationEntries lists the app's process types with their counts, sizes
// and commands.
func (c *Client) FormationEntries(ctx context.Context, app string) ([]FormationEntry, error) {
	return listAll[FormationEntry](ctx, c, formationPath(app), "type ..; max=1000")
}

// Formation returns how many processes of each type the app runs.
func (c *Client) Formation(ctx context.Context, app string) (Formation, error) {
	entries, err := c.FormationEntries(ctx, app)
	if err != nil {
		return nil, err
	}
	return formationOf(entries), nil
}

// Scale sets the counts of the types in change, leaves the others alone, and
// returns the whole formation once the processes run.
func (c *Client) Scale(ctx context.Context, app string, change Formation) (Formation, error) {
	batch := FormationBatchUpdate{}
	types := make([]string, 0, len(change))
	for t := range change {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		batch.Updates = append(batch.Updates, FormationUpdate{Type: t, Quantity: &Quantity{N: change[t]}})
	}
	if _, err := c.UpdateFormation(ctx, app, batch); err != nil {
		return nil, err
	}
	return c.Formation(ctx, app)
}

// UpdateFormation applies a batch of changes and returns the entries they
// changed, once the processes run.
func (c *Client) UpdateFormation(ctx context.Context, app string, batch FormationBatchUpdate) ([]FormationEntry, error) {
	var out []FormationEntry
	err := c.doWithin(ctx, c.changeTimeout, http.MethodPatch, formationPath(app), batch, &out)
	return out, err
}

func formationOf(entries []FormationEntry) Formation {
	f := Formation{}
	for _, e := range entries {
		f[e.Type] = e.Quantity
	}
	return f
}

// FormationTypePath is one process type's formation, "/apps/hello/formation/web".
func FormationTypePath(app, typ string) string {
	return formationPath(app) + "/" + url.PathEscape(typ)
}
