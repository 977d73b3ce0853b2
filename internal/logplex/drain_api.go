package logplex

import (
	"context"
	"errors"
	"net/http"

	"github.com/paas-dev/paas/api"
)

// DrainStore serves the API's log-drains routes from p; the routes find
// the app in the ledger first.
func (p *Logplex) DrainStore() DrainStore {
	return DrainStore{p: p}
}

// DrainStore is an app's drains as the API's drains routes use them, in the
// API's wire types.
type DrainStore struct {
	p *Logplex
}

func (s DrainStore) Drains(_ context.Context, app string) ([]api.Drain, error) {
	infos := s.p.Drains(app)
	out := make([]api.Drain, len(infos))
	for i, d := range infos {
		out[i] = apiDrain(d)
	}
	return out, nil
}

// AddDrain adds a drain unless the app was destroyed since the handler
// found it. Forget marks the app before it removes the drains, so a drain
// added meanwhile is either removed by Forget or seen here and taken back.
func (s DrainStore) AddDrain(_ context.Context, app, url string) (api.Drain, error) {
	if s.p.isForgotten(app) {
		return api.Drain{}, appGone(app)
	}
	d, err := s.p.AddDrain(app, url)
	if err != nil {
		return api.Drain{}, apiDrainError(err)
	}
	if s.p.isForgotten(app) {
		_ = s.p.RemoveDrain(app, d.ID)
		return api.Drain{}, appGone(app)
	}
	return apiDrain(d), nil
}

func appGone(app string) error {
	return &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound,
		Message: "app " + app + " was destroyed while the drain was being added: no drain was added"}
}

func (s DrainStore) RemoveDrain(_ context.Context, app, idOrURL string) error {
	return apiDrainError(s.p.RemoveDrain(app, idOrURL))
}

func apiDrain(d DrainInfo) api.Drain {
	out := api.Drain{ID: d.ID, URL: d.URL, Queued: d.Queued, Sent: d.Sent, Dropped: d.Dropped,
		LastError: d.LastError, Connected: d.Connected}
	if !d.LastErrorAt.IsZero() {
		at := d.LastErrorAt.UTC()
		out.LastErrorAt = &at
	}
	return out
}

// apiDrainError gives the drain sentinels their statuses.
func apiDrainError(err error) error {
	var status int
	var id string
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrInvalidDrain):
		status, id = http.StatusUnprocessableEntity, api.IDInvalid
	case errors.Is(err, ErrDrainExists):
		status, id = http.StatusConflict, api.IDConflict
	case errors.Is(err, ErrDrainNotFound):
		status, id = http.StatusNotFound, api.IDNotFound
	default:
		return err
	}
	return &api.Error{StatusCode: status, ID: id, Message: err.Error()}
}
