package daemon

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/certs"
	"github.com/paas-dev/paas/internal/connguard"
	"github.com/paas-dev/paas/internal/gitserver"
	"github.com/paas-dev/paas/internal/logplex"
	"github.com/paas-dev/paas/internal/metrics"
	"github.com/paas-dev/paas/internal/platform"
	"github.com/paas-dev/paas/internal/router"
	"github.com/paas-dev/paas/internal/runner"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigDefaults(t *testing.T) {
	c, err := ConfigFromEnv(env(map[string]string{"PAAS_DATA_DIR": "/tmp/x"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{DataDir: "/tmp/x", APIAddr: DefaultAPIAddr, RouterAddr: DefaultRouterAddr, Domain: "localhost",
		BootTimeout: runner.DefaultBootTimeout, StopTimeout: runner.DefaultStopTimeout, KeepReleases: platform.DefaultKeepReleases, Memory: runner.DefaultMemory, PIDs: runner.DefaultPIDs, CPUShares: runner.DefaultCPUShares, MaxConnsPerAddr: connguard.DefaultPerAddr, BuildContextMax: gitserver.DefaultMaxContextBytes, BuildContextMaxFiles: gitserver.DefaultMaxContextFiles, LogLines: logplex.DefaultBufferLines, RouterTimeout: router.DefaultTimeout,
		StackMirror: builder.DefaultMirror, BuildConcurrency: platform.DefaultBuildConcurrency, BuildMemory: platform.DefaultBuildMemory, BuildTimeout: platform.DefaultBuildTimeout, BackupKeep: platform.DefaultBackupKeep,
		MetricsAddr: metrics.DefaultAddr}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v, want %+v", c, want)
	}
}

func TestConfigFromEnv(t *testing.T) {
	c, err := ConfigFromEnv(env(map[string]string{
		"PAAS_API_ADDR": "0.0.0.0:7000", "PAAS_ROUTER_ADDR": ":80", "PAAS_DOMAIN": "Apps.Example.COM",
		"PAAS_API_TOKEN": "secret-token-0123456789", "PAAS_BOOT_TIMEOUT": "5s", "PAAS_STOP_TIMEOUT": "2m",
		"PAAS_KEEP_RELEASES": "3", "PAAS_BUILD_CONCURRENCY": "2", "PAAS_BUILD_MEMORY": "512m", "PAAS_BUILD_TIMEOUT": "10m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIAddr != "0.0.0.0:7000" || c.RouterAddr != ":80" || c.Domain != "apps.example.com" ||
		c.BootTimeout != 5*time.Second || c.StopTimeout != 2*time.Minute || c.KeepReleases != 3 || c.APIToken != "secret-token-0123456789" ||
		c.BuildConcurrency != 2 || c.BuildMemory != 512<<20 || c.BuildTimeout != 10*time.Minute {
		t.Fatalf("got %+v", c)
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	tests := []struct{ key, val, want string }{
		{"PAAS_API_ADDR", "7070", "PAAS_API_ADDR"},
		{"PAAS_ROUTER_ADDR", "localhost:http", "port must be a number"},
		{"PAAS_ROUTER_ADDR", "localhost:70000", "port must be a number"},
		{"PAAS_DOMAIN", "bad_domain", "not a domain name"},
		{"PAAS_DOMAIN", "a..b", "not a domain name"},
		{"PAAS_BOOT_TIMEOUT", "ten", "PAAS_BOOT_TIMEOUT"},
		{"PAAS_STOP_TIMEOUT", "-1s", "positive duration"},
		{"PAAS_KEEP_RELEASES", "0", "from 1 to 1000"},
		{"PAAS_KEEP_RELEASES", "many", "from 1 to 1000"},
		{"PAAS_MEMORY_LIMIT", "lots", "PAAS_MEMORY_LIMIT"},
		{"PAAS_LOG_LINES", "5", "from 100 to 1000000"},
		{"PAAS_ROUTER_TIMEOUT", "soon", "PAAS_ROUTER_TIMEOUT"},
		{"PAAS_STACK_IMAGE", "Debian Bookworm", "not an image reference"},
		{"PAAS_STACK_IMAGE", "debian:bookworm;id", "not an image reference"},
		{"PAAS_POSTGRES_IMAGE", "postgres 16", "not an image reference"},
		{"PAAS_REDIS_IMAGE", "redis:7;id", "not an image reference"},
		{"PAAS_ACME_EMAIL", "ops at example.com", "not an email address"},
		{"PAAS_METRICS_ADDR", "0.0.0.0:7071", "not a loopback address"},
		{"PAAS_ROUTER_UPSTREAM", "bridge", "neither container"},
		{"PAAS_METRICS_ADDR", "7071", "PAAS_METRICS_ADDR"},
		{"PAAS_ACME_DIRECTORY", "https://acme.example.com/dir", "without PAAS_ACME_EMAIL"},
		{"PAAS_STACK_MIRROR", "ftp://deb.debian.org/debian", "http:// or https://"},
		{"PAAS_STACK_MIRROR", "http://deb.debian.org/debian main'", "http:// or https://"},
		{"PAAS_BUILD_CONCURRENCY", "0", "from 1 to 64"},
		{"PAAS_BUILD_CONCURRENCY", "two", "from 1 to 64"},
		{"PAAS_BUILD_MEMORY", "1m", "16m or more"},
		{"PAAS_BUILD_MEMORY", "much", "16m or more"},
		{"PAAS_BUILD_TIMEOUT", "30", "positive duration"},
		{"PAAS_BACKUP_KEEP", "0", "from 1 to 1000"},
		{"PAAS_ROUTER_FASTPATH", "yes", "neither 1"},
		{"PAAS_BACKEND", "kubernetes", "neither docker"},
		{"PAAS_SWARM_NODES", "node2:2375", "not a Docker host"},
		{"PAAS_SWARM_NODES", "unix://relative.sock", "not a Docker host"},
		{"PAAS_SWARM_NODES", "tcp://10.0.0.3", "not a Docker host"},
		{"PAAS_SWARM_NODES", "ssh://10.0.0.3", "not a Docker host"},
		{"PAAS_SWARM_NODES", "tcp://10.0.0.3:2376", "without TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.val, func(t *testing.T) {
			_, err := ConfigFromEnv(env(map[string]string{tt.key: tt.val}))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestConfigStack(t *testing.T) {
	c, err := ConfigFromEnv(env(map[string]string{"PAAS_STACK_IMAGE": "registry.example.com:5000/debian:bookworm-slim", "PAAS_STACK_MIRROR": "https://mirror.example.com/debian",
		"PAAS_POSTGRES_IMAGE": "postgres:16", "PAAS_REDIS_IMAGE": "registry.example.com/redis:7"}))
	if err != nil || c.StackImage != "registry.example.com:5000/debian:bookworm-slim" || c.StackMirror != "https://mirror.example.com/debian" ||
		c.PostgresImage != "postgres:16" || c.RedisImage != "registry.example.com/redis:7" {
		t.Fatalf("ConfigFromEnv = %+v, %v", c, err)
	}
}

func TestConfigACME(t *testing.T) {
	base := map[string]string{"PAAS_ACME_EMAIL": "ops@example.com"}
	c, err := ConfigFromEnv(env(base))
	if err != nil || c.ACMEDirectory != certs.DefaultDirectory {
		t.Fatalf("ConfigFromEnv = %+v, %v", c, err)
	}
	for name, extra := range map[string]map[string]string{
		"plain http directory": {"PAAS_ACME_DIRECTORY": "http://acme.example.com/dir"},
		"unknown challenge":    {"PAAS_ACME_CHALLENGES": "http-01,dns-01"},
		"missing CA file":      {"PAAS_ACME_CA_FILE": "/nonexistent/ca.pem"},
		"TLS cert without key": {"PAAS_ROUTER_TLS_ADDR": "127.0.0.1:8443", "PAAS_ROUTER_TLS_CERT": "/x.pem"},
	} {
		m := map[string]string{"PAAS_ACME_EMAIL": "ops@example.com"}
		for k, v := range extra {
			m[k] = v
		}
		if _, err := ConfigFromEnv(env(m)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// With ACME, the TLS listener needs no certificate of its own.
	c, err = ConfigFromEnv(env(map[string]string{"PAAS_ACME_EMAIL": "ops@example.com", "PAAS_ROUTER_TLS_ADDR": "127.0.0.1:8443"}))
	if err != nil || c.RouterTLSAddr != "127.0.0.1:8443" {
		t.Fatalf("ACME-only TLS listener: %+v, %v", c, err)
	}
	if tc, err := c.RouterTLS(); err != nil || tc == nil || len(tc.Certificates) != 0 {
		t.Errorf("RouterTLS = %+v, %v", tc, err)
	}
	if _, err := ConfigFromEnv(env(map[string]string{"PAAS_ROUTER_TLS_ADDR": "127.0.0.1:8443"})); err == nil {
		t.Error("a TLS listener without a certificate or ACME was accepted")
	}
}

func TestConfigRouterUpstream(t *testing.T) {
	for v, want := range map[string]bool{"": false, "container": false, "published": true} {
		c, err := ConfigFromEnv(env(map[string]string{"PAAS_ROUTER_UPSTREAM": v}))
		if err != nil || c.PublishPorts != want {
			t.Errorf("PAAS_ROUTER_UPSTREAM=%q: publish %v, %v; want %v", v, c.PublishPorts, err, want)
		}
	}
}

func TestConfigMetricsAddr(t *testing.T) {
	for v, want := range map[string]string{"": metrics.DefaultAddr, "off": "", "127.0.0.1:9100": "127.0.0.1:9100", "[::1]:9100": "[::1]:9100", "localhost:9100": "localhost:9100"} {
		c, err := ConfigFromEnv(env(map[string]string{"PAAS_METRICS_ADDR": v}))
		if err != nil || c.MetricsAddr != want {
			t.Errorf("PAAS_METRICS_ADDR=%q: %q, %v; want %q", v, c.MetricsAddr, err, want)
		}
	}
}

func TestConfigSwarmNodes(t *testing.T) {
	c, err := ConfigFromEnv(env(map[string]string{
		"PAAS_SWARM_NODES": " unix:///run/n2/docker.sock, tcp://10.0.0.3:2376,,unix:///run/n2/docker.sock",
		"DOCKER_CERT_PATH": "/etc/paas/docker-tls",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"unix:///run/n2/docker.sock", "tcp://10.0.0.3:2376"}; !slices.Equal(c.SwarmNodes, want) {
		t.Errorf("SwarmNodes = %q, want %q", c.SwarmNodes, want)
	}
}
