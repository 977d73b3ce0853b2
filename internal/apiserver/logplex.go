package apiserver

import (
	"context"
	"errors"
	"net/http"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/logplex"
)

// The adapters from paasd's log collector to the logs and log-drains
// routes: its lines and drains in the API's wire types, its refusals as the
// API's errors.

// LogsFrom serves the logs routes from paasd's log collector; exists says
// whether an app exists (the ledger knows, not the stream).
func LogsFrom(p *logplex.Logplex, exists func(ctx context.Context, app string) (bool, error)) LogStreamer {
	return logplexLogs{p: p, exists: exists}
}

// logplexLogs is the log stream in the API's wire types.
type logplexLogs struct {
	p      *logplex.Logplex
	exists func(ctx context.Context, app string) (bool, error)
}

func (s logplexLogs) AppExists(ctx context.Context, app string) (bool, error) {
	return s.exists(ctx, app)
}

func (s logplexLogs) Tail(ctx context.Context, app string, f api.LogFilter, n int, follow bool) ([]api.LogLine, <-chan api.LogLine) {
	backlog, lines := s.p.Tail(ctx, app, logplex.Filter{Source: f.Source, Process: f.Process}, n, follow)
	out := make([]api.LogLine, len(backlog))
	for i, l := range backlog {
		out[i] = apiLine(l)
	}
	if lines == nil {
		return out, nil
	}
	// A little room lets the route write what waits before it flushes;
	// lines a slow reader misses are still dropped, and counted, upstream.
	ch := make(chan api.LogLine, 64)
	go func() {
		defer close(ch)
		for l := range lines {
			select {
			case ch <- apiLine(l):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, ch
}

func apiLine(l logplex.Line) api.LogLine {
	return api.LogLine{Time: l.Time, App: l.App, Source: l.Source, Process: l.Process, Message: l.Message}
}

// DrainsFrom serves the log-drains routes from paasd's log collector; the
// routes find the app in the ledger first.
func DrainsFrom(p *logplex.Logplex) DrainStore {
	return logplexDrains{p: p}
}

// logplexDrains is an app's drains in the API's wire types.
type logplexDrains struct {
	p *logplex.Logplex
}

func (s logplexDrains) Drains(_ context.Context, app string) ([]api.Drain, error) {
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
func (s logplexDrains) AddDrain(_ context.Context, app, url string) (api.Drain, error) {
	if s.p.Forgotten(app) {
		return api.Drain{}, drainAppGone(app)
	}
	d, err := s.p.AddDrain(app, url)
	if err != nil {
		return api.Drain{}, drainError(err)
	}
	if s.p.Forgotten(app) {
		_ = s.p.RemoveDrain(app, d.ID)
		return api.Drain{}, drainAppGone(app)
	}
	return apiDrain(d), nil
}

func drainAppGone(app string) error {
	return &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound,
		Message: "app " + app + " was destroyed while the drain was being added: no drain was added"}
}

func (s logplexDrains) RemoveDrain(_ context.Context, app, idOrURL string) error {
	return drainError(s.p.RemoveDrain(app, idOrURL))
}

func apiDrain(d logplex.DrainInfo) api.Drain {
	out := api.Drain{ID: d.ID, URL: d.URL, Queued: d.Queued, Sent: d.Sent, Dropped: d.Dropped,
		LastError: d.LastError, Connected: d.Connected}
	if !d.LastErrorAt.IsZero() {
		at := d.LastErrorAt.UTC()
		out.LastErrorAt = &at
	}
	return out
}

// apiDrainError gives the drain sentinels their statuses.
func drainError(err error) error {
	var status int
	var id string
	switch {
	case err == nil:
		return nil
	case errors.Is(err, logplex.ErrInvalidDrain):
		status, id = http.StatusUnprocessableEntity, api.IDInvalid
	case errors.Is(err, logplex.ErrDrainExists):
		status, id = http.StatusConflict, api.IDConflict
	case errors.Is(err, logplex.ErrDrainNotFound):
		status, id = http.StatusNotFound, api.IDNotFound
	default:
		return err
	}
	return &api.Error{StatusCode: status, ID: id, Message: err.Error()}
}
