package metrics

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/logplex"
	"github.com/paas-dev/paas/internal/router"
)

// fakePlatform has apps, add-ons with their backups, and certificates.
type fakePlatform struct {
	apps    []api.App
	addons  []api.Addon
	backups map[string][]api.Backup
	certs   map[string][]api.CertStatus
}

func (f *fakePlatform) Apps(context.Context) ([]api.App, error) { return f.apps, nil }
func (f *fakePlatform) Addons(context.Context, string) ([]api.Addon, error) {
	return f.addons, nil
}
func (f *fakePlatform) Backups(_ context.Context, addon string) ([]api.Backup, error) {
	return f.backups[addon], nil
}
func (f *fakePlatform) CertStatus(_ context.Context, app string) ([]api.CertStatus, error) {
	return f.certs[app], nil
}

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
	cpu, mem := 12.5, uint64(64<<20)
	expires := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	plat := &fakePlatform{
		apps: []api.App{{Name: "hello", CurrentRelease: 3, Processes: []api.Process{
			{Name: "web.1", Type: "web", State: "up", Restarts: 2, CPUPercent: &cpu, MemoryBytes: &mem},
			{Name: "web.2", Type: "web", State: "up"},
			{Name: "worker.1", Type: "worker", State: "crashed", Restarts: 5},
		}}},
		addons: []api.Addon{
			{Name: "postgres-1", AddonService: api.NameRef{Name: "postgres"}, ServiceState: "running"},
			{Name: "redis-2", AddonService: api.NameRef{Name: "redis"}, ServiceState: "exited"},
		},
		backups: map[string][]api.Backup{"postgres-1": {{ID: "b1", CreatedAt: expires.Add(-48 * time.Hour)}, {ID: "b2", CreatedAt: expires.Add(-24 * time.Hour)}}},
		certs: map[string][]api.CertStatus{"hello": {
			{Hostname: "hello.example.com", Status: "issued", ExpiresAt: &expires},
			{Hostname: "www.example.com", Status: "failing"},
		}},
	}
	m := New(plat, slog.New(slog.DiscardHandler))
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
	m.DeployDone("hello", "succeeded", 3*time.Second)
	m.DeployDone("hello", "succeeded", 2*time.Second)
	m.DeployDone("hello", "failed", 60*time.Second)
	m.BackupDone("postgres-1", "succeeded", time.Second)
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
		{"paas_deploys_total", map[string]string{"app": "hello", "status": "succeeded"}, 2},
		{"paas_deploys_total", map[string]string{"app": "hello", "status": "failed"}, 1},
		{"paas_deploy_duration_seconds", map[string]string{"status": "succeeded"}, 2},
		{"paas_backups_total", map[string]string{"addon": "postgres-1", "status": "succeeded"}, 1},
		{"paas_process_cpu_percent", map[string]string{"app": "hello", "process": "web.1"}, 12.5},
		{"paas_process_memory_bytes", map[string]string{"app": "hello", "process": "web.1"}, 64 << 20},
		{"paas_addon_up", map[string]string{"addon": "postgres-1", "service": "postgres", "state": "running"}, 1},
		{"paas_addon_up", map[string]string{"addon": "redis-2", "service": "redis", "state": "exited"}, 0},
		{"paas_addon_last_backup_timestamp_seconds", map[string]string{"addon": "postgres-1"}, float64(expires.Add(-24 * time.Hour).Unix())},
		{"paas_certificates", map[string]string{"app": "hello", "status": "issued"}, 1},
		{"paas_certificates", map[string]string{"app": "hello", "status": "failing"}, 1},
		{"paas_certificate_expiry_timestamp_seconds", map[string]string{"app": "hello", "host": "hello.example.com"}, float64(expires.Unix())},
	} {
		if got, ok := value(fams, tt.fam, tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.fam, tt.labels, got, ok, tt.want)
		}
	}
	if _, ok := value(fams, "paas_router_requests_total", map[string]string{"app": "nobody"}); ok {
		t.Error("a request to no app has a label")
	}
	if _, ok := value(fams, "paas_process_cpu_percent", map[string]string{"process": "web.2"}); ok {
		t.Error("a process not sampled has a CPU figure")
	}
	if fams["go_goroutines"] == nil || fams["process_cpu_seconds_total"] == nil {
		t.Error("no Go runtime or process figures")
	}
}

// The log streams' figures: lines collected by source, lines a slow reader
// and a full drain lost, lines a drain delivered, from a real Logplex.
func TestLogFigures(t *testing.T) {
	m := New(&fakePlatform{}, slog.New(slog.DiscardHandler))
	logs, err := logplex.New(logplex.Options{TailBuffer: 2, AllowPrivateDrains: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	logs.SetObserver(m)

	var got atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.Header.Get("Logplex-Msg-Count"))
		got.Add(int64(n))
	}))
	defer collector.Close()
	if _, err := logs.AddDrain("hello", collector.URL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, slow := logs.Tail(ctx, "hello", logplex.Filter{}, 0, true) // never read: falls behind
	// Adding the drain said so in the stream: counted from here.
	paasBefore, _ := value(scrape(t, m), "paas_log_lines_total", map[string]string{"app": "hello", "source": "paas"})
	sentBefore := got.Load()

	for i := range 5 {
		logs.Platform("hello", "api", fmt.Sprintf("event %d", i))
	}
	for range 3 {
		logs.RouterLine("hello", "at=info method=GET path=/")
	}
	deadline := time.Now().Add(10 * time.Second)
	for got.Load()-sentBefore < 8 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polled with a deadline: the drain sends on its own goroutine
	}
	fams := scrape(t, m)
	for _, tt := range []struct {
		fam    string
		labels map[string]string
		want   float64
	}{
		{"paas_log_lines_total", map[string]string{"app": "hello", "source": "paas"}, paasBefore + 5},
		{"paas_log_lines_total", map[string]string{"app": "hello", "source": "router"}, 3},
		// The tail holds two; the rest are lost, each counted once.
		{"paas_log_lines_dropped_total", map[string]string{"app": "hello", "reason": "tail"}, 8 - 2},
		{"paas_drain_lines_sent_total", map[string]string{"app": "hello"}, float64(got.Load())},
	} {
		if v, ok := value(fams, tt.fam, tt.labels); !ok || v != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.fam, tt.labels, v, ok, tt.want)
		}
	}
	if got.Load()-sentBefore < 8 {
		t.Errorf("the drain delivered %d lines, want 8", got.Load()-sentBefore)
	}
	if len(slow) != cap(slow) {
		t.Errorf("the slow reader holds %d lines, want %d", len(slow), cap(slow))
	}
}
