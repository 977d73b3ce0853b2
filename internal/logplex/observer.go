package logplex

import "sync/atomic"

// Observer takes the streams' figures, for metrics. Its calls are made
// under an app's lock or on a drain's sender, so they must not block.
type Observer interface {
	// LinesCollected counts lines that joined app's stream, by source
	// (app, router, paas, addon).
	LinesCollected(app, source string, n int)
	// LinesDropped counts lines lost on their way out: by a following
	// reader that fell behind (DropTail) or by a drain whose queue was
	// full (DropDrain).
	LinesDropped(app, reason string, n int)
	// DrainSent counts lines a drain delivered; DrainFailed each failed
	// attempt to deliver (each retry counts).
	DrainSent(app string, n int)
	DrainFailed(app string)
}

// Why a line was dropped (Observer.LinesDropped).
const (
	DropTail  = "tail"
	DropDrain = "drain"
)

// observerRef is the Observer every part of the Logplex reads; nil none.
type observerRef struct{ p atomic.Pointer[Observer] }

func (r *observerRef) get() Observer {
	if o := r.p.Load(); o != nil {
		return *o
	}
	return nil
}

// SetObserver gives o the streams' figures from now on; nil none.
func (p *Logplex) SetObserver(o Observer) {
	if o == nil {
		p.obs.p.Store(nil)
		return
	}
	p.obs.p.Store(&o)
}

// countCollected tells the observer of lines, a run of one source at a
// time (a batch is most often all of one).
func (r *observerRef) countCollected(app string, lines []Line) {
	o := r.get()
	if o == nil {
		return
	}
	start := 0
	for i := 1; i <= len(lines); i++ {
		if i == len(lines) || lines[i].Source != lines[start].Source {
			o.LinesCollected(app, lines[start].Source, i-start)
			start = i
		}
	}
}
