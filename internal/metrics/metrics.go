// Package metrics serves paasd's figures in Prometheus's format: the
// router's requests, latency, in-flight requests and errors by app, the
// apps' releases and processes, and the Go runtime's. Labels are bounded:
// apps, process types, status classes and Heroku's error codes, never
// paths or request ids.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/paas-dev/paas/api"
)

// DefaultAddr is where paasd serves /metrics: loopback, as it has no token.
const DefaultAddr = "127.0.0.1:7071"

// Apps is what the app figures are read from when scraped (the platform).
type Apps interface {
	Apps(ctx context.Context) ([]api.App, error)
}

// Metrics holds paasd's figures.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
	errors   *prometheus.CounterVec
	builds   *prometheus.CounterVec
	buildDur *prometheus.HistogramVec
}

// New makes the figures, the Go runtime's and the process's among them,
// and those of apps, read at each scrape.
func New(apps Apps, log *slog.Logger) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paas_router_requests_total",
			Help: "Requests the router answered, by app, status class (2xx...) and process type.",
		}, []string{"app", "status", "process_type"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paas_router_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its response, by app.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"app"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "paas_router_requests_in_flight",
			Help: "Requests the router is serving now, by app.",
		}, []string{"app"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paas_router_errors_total",
			Help: "Requests the router answered itself, by app and Heroku's error code (H10, H12, H13, H80, H99...).",
		}, []string{"app", "code"}),
		builds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paas_builds_total",
			Help: "Builds that ended, by app, builder (go, dockerfile, image...) and status (succeeded, failed, cancelled).",
		}, []string{"app", "builder", "status"}),
		buildDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paas_build_duration_seconds",
			Help:    "Time from a build's start to its end, by builder and status.",
			Buckets: []float64{1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800},
		}, []string{"builder", "status"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, m.errors, m.builds, m.buildDur,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&appCollector{apps: apps, log: log})
	return m
}

// Handler serves the figures in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// RequestStarted and RequestDone are the router's (router.Observer).
func (m *Metrics) RequestStarted(app string) { m.inFlight.WithLabelValues(app).Inc() }

func (m *Metrics) RequestDone(app, processType string, status int, code string, d time.Duration) {
	m.inFlight.WithLabelValues(app).Dec()
	m.requests.WithLabelValues(app, statusClass(status), processType).Inc()
	m.latency.WithLabelValues(app).Observe(d.Seconds())
	if code != "" {
		m.errors.WithLabelValues(app, code).Inc()
	}
}

// BuildDone is the platform's (platform.BuildObserver).
func (m *Metrics) BuildDone(app, builder, status string, d time.Duration) {
	if builder == "" {
		builder = "unknown"
	}
	m.builds.WithLabelValues(app, builder, status).Inc()
	m.buildDur.WithLabelValues(builder, status).Observe(d.Seconds())
}

// statusClass is 2xx for 200: five values, not hundreds.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// appCollector reads the apps' figures at each scrape: they are the
// platform's, not counted here.
type appCollector struct {
	apps Apps
	log  *slog.Logger
}

var (
	releaseDesc = prometheus.NewDesc("paas_app_release", "The app's current release (v3 is 3; 0 before its first).", []string{"app"}, nil)
	procDesc    = prometheus.NewDesc("paas_processes", "The app's processes, by type and state (starting, up, crashed, down).", []string{"app", "process_type", "state"}, nil)
	restartDesc = prometheus.NewDesc("paas_process_restarts", "Restarts of the app's processes since their release went live, by type.", []string{"app", "process_type"}, nil)
)

func (c *appCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- releaseDesc
	ch <- procDesc
	ch <- restartDesc
}

func (c *appCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	apps, err := c.apps.Apps(ctx)
	if err != nil {
		c.log.Warn("metrics: read the apps", "err", err)
		return
	}
	for _, a := range apps {
		ch <- prometheus.MustNewConstMetric(releaseDesc, prometheus.GaugeValue, float64(a.CurrentRelease), a.Name)
		type key struct{ typ, state string }
		procs, restarts := map[key]int{}, map[string]int{}
		for _, p := range a.Processes {
			procs[key{p.Type, p.State}]++
			restarts[p.Type] += p.Restarts
		}
		for k, n := range procs {
			ch <- prometheus.MustNewConstMetric(procDesc, prometheus.GaugeValue, float64(n), a.Name, k.typ, k.state)
		}
		for t, n := range restarts {
			ch <- prometheus.MustNewConstMetric(restartDesc, prometheus.GaugeValue, float64(n), a.Name, t)
		}
	}
}
