package e2e

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/paas-dev/paas/api"
)

// scrapeMetrics scrapes paasd's /metrics, checking that Prometheus's text
// parser reads it.
func scrapeMetrics(t *testing.T, d *daemon) map[string]*dto.MetricFamily {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + d.metricsAddr + "/metrics")
	if err != nil {
		t.Fatalf("scrape /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// sumMetric adds up the samples of family name whose labels include all of
// labels.
func sumMetric(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	var sum float64
	f := fams[name]
	if f == nil {
		return 0
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
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		}
	}
	return sum
}

// routerRequests sums the router's requests for app.
func routerRequests(t *testing.T, d *daemon, app string) float64 {
	t.Helper()
	return sumMetric(scrapeMetrics(t, d), "paas_router_requests_total", map[string]string{"app": app})
}

// assertUsageSampled waits until ps shows what app's web.1 uses, sampled
// from the engine, and /metrics has it too.
func assertUsageSampled(t *testing.T, d *daemon, app string) {
	t.Helper()
	var web api.Process
	waitFor(t, 30*time.Second, "ps to show web.1's CPU and memory", func() bool {
		var procs []api.Process
		if err := json.Unmarshal([]byte(d.mustPaasctl("", "ps", "-a", app, "--json")), &procs); err != nil {
			t.Fatalf("ps --json: %v", err)
		}
		for _, p := range procs {
			if p.Name == "web.1" && p.CPUPercent != nil && p.MemoryBytes != nil {
				web = p
				return true
			}
		}
		return false
	})
	if *web.MemoryBytes == 0 || *web.MemoryBytes > 512<<20 || *web.CPUPercent < 0 {
		t.Errorf("web.1 uses %v%% CPU and %d bytes", *web.CPUPercent, *web.MemoryBytes)
	}
	fams := scrapeMetrics(t, d)
	if sumMetric(fams, "paas_process_memory_bytes", map[string]string{"app": app, "process": "web.1"}) == 0 {
		t.Errorf("no paas_process_memory_bytes for %s web.1", app)
	}
	if n := sumMetric(fams, "paas_deploys_total", map[string]string{"app": app, "status": "succeeded"}); n < 1 {
		t.Errorf("paas_deploys_total{app=%q,status=succeeded} = %v", app, n)
	}
	if n := sumMetric(fams, "paas_log_lines_total", map[string]string{"app": app, "source": "router"}); n < 5 {
		t.Errorf("paas_log_lines_total{app=%q,source=router} = %v, want the router's lines", app, n)
	}
	out := d.mustPaasctl("", "ps", "-a", app)
	if !regexp.MustCompile(`web\.1: up .*, [0-9.]+% CPU, [0-9.]+ MiB of `).MatchString(out) {
		t.Errorf("ps does not show what web.1 uses:\n%s", out)
	}
}
