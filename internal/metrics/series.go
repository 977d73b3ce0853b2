package metrics

import (
	"sync"
	"time"

	"github.com/paas-dev/paas/api"
)

// The router's recent figures per app, for the dashboard's charts: one
// slot per SeriesStep over the last SeriesSpan, in memory (a restart of
// paasd starts them over; Prometheus keeps the long history).
const (
	SeriesStep = 10 * time.Second
	SeriesSpan = time.Hour
	slots      = int(SeriesSpan / SeriesStep)
)

// latencyBounds are the upper bounds, in seconds, of the latency buckets a
// slot counts, from which its p50 and p95 are read.
var latencyBounds = [...]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// slot is one step's figures.
type slot struct {
	start    int64 // Unix seconds of its step; 0 unused
	requests uint32
	errors   uint32 // 5xx answers, the router's own H-codes among them
	sum      float64
	buckets  [len(latencyBounds) + 1]uint32 // the last: above every bound
}

// appSeries is one app's ring of slots.
type appSeries struct {
	mu    sync.Mutex
	slots [slots]slot
}

// series holds every app's; apps come and go with their traffic.
type series struct {
	apps sync.Map // app -> *appSeries
	now  func() time.Time
}

func (s *series) observe(app string, status int, d time.Duration) {
	v, ok := s.apps.Load(app)
	if !ok {
		v, _ = s.apps.LoadOrStore(app, &appSeries{})
	}
	a := v.(*appSeries)
	step := s.now().Unix() / int64(SeriesStep/time.Second)
	start := step * int64(SeriesStep/time.Second)
	secs := d.Seconds()
	b := len(latencyBounds)
	for i, le := range latencyBounds {
		if secs <= le {
			b = i
			break
		}
	}
	a.mu.Lock()
	sl := &a.slots[step%int64(slots)]
	if sl.start != start {
		*sl = slot{start: start}
	}
	sl.requests++
	if status >= 500 {
		sl.errors++
	}
	sl.sum += secs
	sl.buckets[b]++
	a.mu.Unlock()
}

// of is app's figures over the last SeriesSpan, oldest first, one point per
// step, steps without requests included.
func (s *series) of(app string) api.RouterSeries {
	stepSecs := int64(SeriesStep / time.Second)
	now := s.now().Unix() / stepSecs * stepSecs
	out := api.RouterSeries{StepSeconds: int(stepSecs), Points: make([]api.RouterPoint, 0, slots)}
	var held [slots]slot
	if v, ok := s.apps.Load(app); ok {
		a := v.(*appSeries)
		a.mu.Lock()
		held = a.slots
		a.mu.Unlock()
	}
	for i := slots - 1; i >= 0; i-- {
		start := now - int64(i)*stepSecs
		p := api.RouterPoint{Time: time.Unix(start, 0).UTC()}
		if sl := held[(start/stepSecs)%int64(slots)]; sl.start == start && sl.requests > 0 {
			p.Requests, p.Errors = int(sl.requests), int(sl.errors)
			p.LatencyMeanMs = sl.sum / float64(sl.requests) * 1000
			p.LatencyP50Ms = quantile(sl, 0.50) * 1000
			p.LatencyP95Ms = quantile(sl, 0.95) * 1000
		}
		out.Points = append(out.Points, p)
	}
	return out
}

// quantile is the upper bound of the bucket that holds the q-th request:
// an over-estimate by at most one bucket, as Prometheus's are.
func quantile(sl slot, q float64) float64 {
	rank := q * float64(sl.requests)
	var seen float64
	for i, n := range sl.buckets {
		seen += float64(n)
		if seen >= rank && n > 0 {
			if i == len(latencyBounds) {
				return latencyBounds[len(latencyBounds)-1]
			}
			return latencyBounds[i]
		}
	}
	return 0
}

// RouterSeries is app's router figures over the last hour, for the
// dashboard's charts (GET /apps/{app}/router-metrics).
func (m *Metrics) RouterSeries(app string) api.RouterSeries { return m.series.of(app) }
