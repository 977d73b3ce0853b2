package metrics

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/router"
)

type fakeApps []api.App

func (f fakeApps) Apps(context.Context) ([]api.App, error) { return f, nil }

// scrape parses what the handler serves with Prometheus's text parser.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d", rec.Code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse the scrape: %v", err)
	}
	return fams
}

// value is the sample of family fam whose labels are all of labels.
func value(fams map[string]*dto.MetricFamily, fam string, labels map[string]string) (float64, bool) {
	f := fams[fam]
	if f == nil {
		return 0, false
	}
	for _, m := range f.Metric {
		match := 0
		for _, l := range m.Label {
			if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
				match++
			}
		}
		if match != len(labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// Requests through the router move the app's counters by exactly as many.
func TestRouterFigures(t *testing.T) {
	apps := fakeApps{{Name: "hello", CurrentRelease: 3, Processes: []api.Process{
		{Type: "web", State: "up", Restarts: 2}, {Type: "web", State: "up"}, {Type: "worker", State: "crashed", Restarts: 5},
	}}}
	m := New(apps, slog.New(slog.DiscardHandler))
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer backend.Close()
	r := router.New("localhost", slog.New(slog.DiscardHandler))
	r.SetBackendsNamed("hello", []router.Backend{{Addr: backend.Listener.Addr().String(), Name: "web.1"}})
	r.SetBackends("idle", nil)
	r.SetObserver(m)
	front := httptest.NewServer(r)
	defer front.Close()
	get := func(host, path string) {
		req, _ := http.NewRequest(http.MethodGet, front.URL+path, nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for range 7 {
		get("hello.localhost", "/")
	}
	get("hello.localhost", "/missing")
	get("idle.localhost", "/")
	get("nobody.localhost", "/") // no app: no label for it

	m.BuildDone("hello", "go", "succeeded", 40*time.Second)
	m.BuildDone("hello", "", "failed", time.Second)
	fams := scrape(t, m)
	for _, tt := range []struct {
		fam    string
		labels map[string]string
		want   float64
	}{
		{"paas_router_requests_total", map[string]string{"app": "hello", "status": "2xx", "process_type": "web"}, 7},
		{"paas_router_requests_total", map[string]string{"app": "hello", "status": "4xx", "process_type": "web"}, 1},
		{"paas_router_requests_total", map[string]string{"app": "idle", "status": "5xx", "process_type": ""}, 1},
		{"paas_router_request_duration_seconds", map[string]string{"app": "hello"}, 8},
		{"paas_router_requests_in_flight", map[string]string{"app": "hello"}, 0},
		{"paas_router_errors_total", map[string]string{"app": "idle", "code": "H14"}, 1},
		{"paas_app_release", map[string]string{"app": "hello"}, 3},
		{"paas_processes", map[string]string{"app": "hello", "process_type": "web", "state": "up"}, 2},
		{"paas_processes", map[string]string{"app": "hello", "process_type": "worker", "state": "crashed"}, 1},
		{"paas_process_restarts", map[string]string{"app": "hello", "process_type": "worker"}, 5},
		{"paas_builds_total", map[string]string{"app": "hello", "builder": "go", "status": "succeeded"}, 1},
		{"paas_builds_total", map[string]string{"app": "hello", "builder": "unknown", "status": "failed"}, 1},
		{"paas_build_duration_seconds", map[string]string{"builder": "go", "status": "succeeded"}, 1},
	} {
		if got, ok := value(fams, tt.fam, tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.fam, tt.labels, got, ok, tt.want)
		}
	}
	if _, ok := value(fams, "paas_router_requests_total", map[string]string{"app": "nobody"}); ok {
		t.Error("a request to no app has a label")
	}
	if fams["go_goroutines"] == nil || fams["process_cpu_seconds_total"] == nil {
		t.Error("no Go runtime or process figures")
	}
}
