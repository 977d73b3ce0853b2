// Package metrics serves paasd's figures in Prometheus's format: the
// router's requests, latency, in-flight requests and errors by app;
// builds, deploys and backups; the log streams' lines and drains; the
// apps' releases, processes (with their CPU and memory), add-ons and
// certificates; and the Go runtime's. Labels are bounded: apps, process
// names, add-ons, hosts of an app, status classes and Heroku's error codes,
// never paths or request ids.
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

// Platform is what the figures of apps, add-ons and certificates are read
// from when scraped.
type Platform interface {
	Apps(ctx context.Context) ([]api.App, error)
	// Addons with app "" lists every add-on.
	Addons(ctx context.Context, app string) ([]api.Addon, error)
	Backups(ctx context.Context, addon string) ([]api.Backup, error)
	CertStatus(ctx context.Context, app string) ([]api.CertStatus, error)
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
	deploys  *prometheus.CounterVec
	deployD  *prometheus.HistogramVec
	backups  *prometheus.CounterVec
	backupD  *prometheus.HistogramVec

	logLines    *prometheus.CounterVec
	logDropped  *prometheus.CounterVec
	drainSent   *prometheus.CounterVec
	drainFailed *prometheus.CounterVec

	series *series // the last hour by app, for the dashboard
}

// New makes the figures, the Go runtime's and the process's among them,
// and those of apps, read at each scrape.
func New(plat Platform, log *slog.Logger) *Metrics {
	m := &Metrics{
		series: &series{now: time.Now},
		reg:    prometheus.NewRegistry(),
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
		deploys: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paas_deploys_total",
			Help: "Releases put live (from a push, a config change or a rollback), by app and status (succeeded, failed).",
		}, []string{"app", "status"}),
		deployD: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paas_deploy_duration_seconds",
			Help:    "Time from a release's release phase to the end of its cut-over, by status.",
			Buckets: []float64{.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300},
		}, []string{"status"}),
		backups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paas_backups_total",
			Help: "Backups taken, by add-on and status (succeeded, failed).",
		}, []string{"addon", "status"}),
		backupD: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paas_backup_duration_seconds",
			Help:    "Time a backup took, by status.",
			Buckets: []float64{.5, 1, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"status"}),
		logLines: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paas_log_lines_total",
			Help: "Lines that joined an app's log stream, by app and source (app, router, paas, addon).",
		}, []string{"app", "source"}),
		logDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paas_log_lines_dropped_total",
			Help: "Lines lost on their way out of an app's stream, by app and reason (tail: a following reader fell behind; drain: a drain's queue was full).",
		}, []string{"app", "reason"}),
		drainSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paas_drain_lines_sent_total",
			Help: "Lines the app's drains delivered.",
		}, []string{"app"}),
		drainFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paas_drain_send_failures_total",
			Help: "Attempts of the app's drains to deliver that failed (each retry counts).",
		}, []string{"app"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, m.errors, m.builds, m.buildDur,
		m.deploys, m.deployD, m.backups, m.backupD, m.logLines, m.logDropped, m.drainSent, m.drainFailed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&platformCollector{plat: plat, log: log})
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
	m.series.observe(app, status, d)
}

// BuildDone is the platform's (platform.BuildObserver).
func (m *Metrics) BuildDone(app, builder, status string, d time.Duration) {
	if builder == "" {
		builder = "unknown"
	}
	m.builds.WithLabelValues(app, builder, status).Inc()
	m.buildDur.WithLabelValues(builder, status).Observe(d.Seconds())
}

// DeployDone and BackupDone are the platform's too.
func (m *Metrics) DeployDone(app, status string, d time.Duration) {
	m.deploys.WithLabelValues(app, status).Inc()
	m.deployD.WithLabelValues(status).Observe(d.Seconds())
}

func (m *Metrics) BackupDone(addon, status string, d time.Duration) {
	m.backups.WithLabelValues(addon, status).Inc()
	m.backupD.WithLabelValues(status).Observe(d.Seconds())
}

// LinesCollected, LinesDropped, DrainSent and DrainFailed are the log
// streams' (logplex.Observer).
func (m *Metrics) LinesCollected(app, source string, n int) {
	m.logLines.WithLabelValues(app, source).Add(float64(n))
}

func (m *Metrics) LinesDropped(app, reason string, n int) {
	m.logDropped.WithLabelValues(app, reason).Add(float64(n))
}

func (m *Metrics) DrainSent(app string, n int) { m.drainSent.WithLabelValues(app).Add(float64(n)) }

func (m *Metrics) DrainFailed(app string) { m.drainFailed.WithLabelValues(app).Inc() }

// statusClass is 2xx for 200: five values, not hundreds.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// platformCollector reads the figures of apps, add-ons and certificates at
// each scrape: they are the platform's, not counted here.
type platformCollector struct {
	plat Platform
	log  *slog.Logger
}

var (
	releaseDesc = prometheus.NewDesc("paas_app_release", "The app's current release (v3 is 3; 0 before its first).", []string{"app"}, nil)
	procDesc    = prometheus.NewDesc("paas_processes", "The app's processes, by type and state (starting, up, crashed, down).", []string{"app", "process_type", "state"}, nil)
	restartDesc = prometheus.NewDesc("paas_process_restarts", "Restarts of the app's processes since their release went live, by type.", []string{"app", "process_type"}, nil)
	cpuDesc     = prometheus.NewDesc("paas_process_cpu_percent", "CPU a running process used between the engine's last two samples, as a share of one CPU.", []string{"app", "process"}, nil)
	memDesc     = prometheus.NewDesc("paas_process_memory_bytes", "Memory a running process had in use at the engine's last sample, reclaimable page cache left out.", []string{"app", "process"}, nil)
	addonDesc   = prometheus.NewDesc("paas_addon_up", "1 if the add-on's service container is running, else 0, by add-on, service and state (running, restarting, exited, missing).", []string{"addon", "service", "state"}, nil)
	backupDesc  = prometheus.NewDesc("paas_addon_last_backup_timestamp_seconds", "When the add-on's newest kept backup was taken (Unix time).", []string{"addon"}, nil)
	certDesc    = prometheus.NewDesc("paas_certificates", "Hosts of the app with automatic certificates, by status (pending, issued, failing).", []string{"app", "status"}, nil)
	expiryDesc  = prometheus.NewDesc("paas_certificate_expiry_timestamp_seconds", "When the automatic certificate of a host of the app expires (Unix time).", []string{"app", "host"}, nil)
)

func (c *platformCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{releaseDesc, procDesc, restartDesc, cpuDesc, memDesc, addonDesc, backupDesc, certDesc, expiryDesc} {
		ch <- d
	}
}

func (c *platformCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	apps, err := c.plat.Apps(ctx)
	if err != nil {
		c.log.Warn("metrics: read the apps", "err", err)
		return
	}
	for _, a := range apps {
		collectApp(ch, a)
		c.collectCerts(ctx, ch, a.Name)
	}
	c.collectAddons(ctx, ch)
}

func collectApp(ch chan<- prometheus.Metric, a api.App) {
	ch <- prometheus.MustNewConstMetric(releaseDesc, prometheus.GaugeValue, float64(a.CurrentRelease), a.Name)
	type key struct{ typ, state string }
	procs, restarts := map[key]int{}, map[string]int{}
	for _, p := range a.Processes {
		procs[key{p.Type, p.State}]++
		restarts[p.Type] += p.Restarts
		if p.CPUPercent != nil {
			ch <- prometheus.MustNewConstMetric(cpuDesc, prometheus.GaugeValue, *p.CPUPercent, a.Name, p.Name)
		}
		if p.MemoryBytes != nil {
			ch <- prometheus.MustNewConstMetric(memDesc, prometheus.GaugeValue, float64(*p.MemoryBytes), a.Name, p.Name)
		}
	}
	for k, n := range procs {
		ch <- prometheus.MustNewConstMetric(procDesc, prometheus.GaugeValue, float64(n), a.Name, k.typ, k.state)
	}
	for t, n := range restarts {
		ch <- prometheus.MustNewConstMetric(restartDesc, prometheus.GaugeValue, float64(n), a.Name, t)
	}
}

func (c *platformCollector) collectCerts(ctx context.Context, ch chan<- prometheus.Metric, app string) {
	sts, err := c.plat.CertStatus(ctx, app)
	if err != nil {
		c.log.Warn("metrics: read certificates", "app", app, "err", err)
		return
	}
	byStatus := map[string]int{}
	for _, s := range sts {
		byStatus[s.Status]++
		if s.ExpiresAt != nil {
			ch <- prometheus.MustNewConstMetric(expiryDesc, prometheus.GaugeValue, float64(s.ExpiresAt.Unix()), app, s.Hostname)
		}
	}
	for st, n := range byStatus {
		ch <- prometheus.MustNewConstMetric(certDesc, prometheus.GaugeValue, float64(n), app, st)
	}
}

func (c *platformCollector) collectAddons(ctx context.Context, ch chan<- prometheus.Metric) {
	adds, err := c.plat.Addons(ctx, "")
	if err != nil {
		c.log.Warn("metrics: read the add-ons", "err", err)
		return
	}
	for _, a := range adds {
		if a.ServiceState != "" {
			up := 0.0
			if a.ServiceState == "running" {
				up = 1
			}
			ch <- prometheus.MustNewConstMetric(addonDesc, prometheus.GaugeValue, up, a.Name, a.AddonService.Name, a.ServiceState)
		}
		if a.AddonService.Name != "postgres" {
			continue
		}
		bs, err := c.plat.Backups(ctx, a.Name)
		if err != nil {
			c.log.Warn("metrics: read backups", "addon", a.Name, "err", err)
			continue
		}
		var newest time.Time
		for _, b := range bs {
			if b.CreatedAt.After(newest) {
				newest = b.CreatedAt
			}
		}
		if !newest.IsZero() {
			ch <- prometheus.MustNewConstMetric(backupDesc, prometheus.GaugeValue, float64(newest.Unix()), a.Name)
		}
	}
}
