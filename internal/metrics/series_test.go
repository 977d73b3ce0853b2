package metrics

import (
	"testing"
	"time"
)

// The last hour by step: requests, 5xx, mean and bucketed quantiles; quiet
// steps are zero, a slot an hour old is reused, other apps are apart.
func TestRouterSeries(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 5, 0, time.UTC)
	s := &series{now: func() time.Time { return now }}
	for i := range 20 {
		d := 3 * time.Millisecond
		if i == 19 {
			d = 2 * time.Second
		}
		s.observe("hello", 200, d)
	}
	s.observe("hello", 503, 40*time.Millisecond)
	s.observe("other", 200, time.Millisecond)

	got := s.of("hello")
	if got.StepSeconds != 10 || len(got.Points) != slots {
		t.Fatalf("step %d, %d points; want 10 and %d", got.StepSeconds, len(got.Points), slots)
	}
	last := got.Points[len(got.Points)-1]
	if !last.Time.Equal(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)) || last.Requests != 21 || last.Errors != 1 {
		t.Errorf("last point = %+v", last)
	}
	if last.LatencyP50Ms != 5 || last.LatencyP95Ms != 50 {
		t.Errorf("p50 %v ms, p95 %v ms; want 5 and 50 (the buckets' bounds)", last.LatencyP50Ms, last.LatencyP95Ms)
	}
	if want := (19*3 + 2000 + 40) / 21.0; last.LatencyMeanMs < want-0.01 || last.LatencyMeanMs > want+0.01 {
		t.Errorf("mean %v ms, want %v", last.LatencyMeanMs, want)
	}
	if first := got.Points[0]; first.Requests != 0 || !first.Time.Equal(last.Time.Add(-SeriesSpan+SeriesStep)) {
		t.Errorf("first point = %+v", first)
	}

	// An hour on, the same slot holds the new step only.
	now = now.Add(SeriesSpan)
	s.observe("hello", 200, time.Millisecond)
	got = s.of("hello")
	if last := got.Points[len(got.Points)-1]; last.Requests != 1 || last.Errors != 0 {
		t.Errorf("an hour on, last point = %+v", last)
	}
	for _, p := range got.Points[:len(got.Points)-1] {
		if p.Requests != 0 {
			t.Fatalf("an hour on, %v still has %d requests", p.Time, p.Requests)
		}
	}
	if o := s.of("other"); o.Points[len(o.Points)-1].Requests != 0 {
		t.Error("other's old step shows in the new hour")
	}
	if n := s.of("nobody"); len(n.Points) != slots || n.Points[0].Requests != 0 {
		t.Error("an app without traffic has no series")
	}
}
