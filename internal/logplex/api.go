package logplex

import (
	"context"

	"github.com/paas-dev/paas/api"
)

// Streamer serves the API's logs route from p; exists says whether an app
// exists (the ledger knows, not the stream).
func (p *Logplex) Streamer(exists func(ctx context.Context, app string) (bool, error)) Streamer {
	return Streamer{p: p, exists: exists}
}

// Streamer is the log stream as the API's logs route reads it, in the API's
// wire types.
type Streamer struct {
	p      *Logplex
	exists func(ctx context.Context, app string) (bool, error)
}

func (s Streamer) AppExists(ctx context.Context, app string) (bool, error) { return s.exists(ctx, app) }

func (s Streamer) Tail(ctx context.Context, app string, f api.LogFilter, n int, follow bool) ([]api.LogLine, <-chan api.LogLine) {
	backlog, lines := s.p.Tail(ctx, app, Filter{Source: f.Source, Process: f.Process}, n, follow)
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

func apiLine(l Line) api.LogLine {
	return api.LogLine{Time: l.Time, App: l.App, Source: l.Source, Process: l.Process, Message: l.Message}
}
