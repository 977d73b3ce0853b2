// Package daemon wires paasd's components together and runs them until the
// process is told to stop.
package daemon

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/certs"
	"github.com/paas-dev/paas/internal/connguard"
	"github.com/paas-dev/paas/internal/datadir"
	"github.com/paas-dev/paas/internal/gitserver"
	"github.com/paas-dev/paas/internal/logplex"
	"github.com/paas-dev/paas/internal/metrics"
	"github.com/paas-dev/paas/internal/platform"
	"github.com/paas-dev/paas/internal/router"
	"github.com/paas-dev/paas/internal/runner"
)

// Defaults for a local install: nothing needs to be set to try it. Only the
// listen addresses are the daemon's own; every other default belongs to the
// component it tunes (runner.DefaultMemory, platform.DefaultKeepReleases, ...)
// and ConfigFromEnv reads it from there, so there is one place to change it.
const (
	DefaultAPIAddr    = api.DefaultAddr
	DefaultRouterAddr = "127.0.0.1:8080"
)

// Config is paasd's whole configuration, read from the environment.
type Config struct {
	DataDir      string        // PAAS_DATA_DIR
	APIAddr      string        // PAAS_API_ADDR: REST API and git
	RouterAddr   string        // PAAS_ROUTER_ADDR
	Domain       string        // PAAS_DOMAIN: apps are served at <app>.<domain>
	APIToken     string        // PAAS_API_TOKEN; generated into the data dir when empty
	BootTimeout  time.Duration // PAAS_BOOT_TIMEOUT: new processes must listen within it
	StopTimeout  time.Duration // PAAS_STOP_TIMEOUT: SIGTERM to SIGKILL
	KeepReleases int           // PAAS_KEEP_RELEASES: newest releases per app that keep their images
	Memory       int64         // PAAS_MEMORY_LIMIT: default memory limit per process, bytes
	PIDs         int64         // PAAS_PIDS_LIMIT: default PID limit per process
	CPUShares    int64         // PAAS_CPU_SHARES: default CPU weight per process
	// MaxConnsPerAddr (PAAS_MAX_CONNS_PER_ADDR) caps the open connections of
	// one client address to the API and to the router.
	MaxConnsPerAddr int
	// BuildContextMax (PAAS_BUILD_CONTEXT_MAX) and BuildContextMaxFiles
	// (PAAS_BUILD_CONTEXT_MAX_FILES) bound the build context of a push.
	BuildContextMax      int64
	BuildContextMaxFiles int
	// BuildConcurrency (PAAS_BUILD_CONCURRENCY) is how many builds run at
	// once; BuildMemory (PAAS_BUILD_MEMORY) caps each build step's memory
	// and BuildTimeout (PAAS_BUILD_TIMEOUT) a build's time.
	BuildConcurrency int
	BuildMemory      int64
	BuildTimeout     time.Duration
	// BackupKeep (PAAS_BACKUP_KEEP) is how many of a Postgres add-on's
	// newest backups are kept.
	BackupKeep int
	LogLines   int // PAAS_LOG_LINES: lines of history kept per app
	// RouterTimeout (PAAS_ROUTER_TIMEOUT) is how long an app may take to
	// start its response before the router answers 504 (H12).
	RouterTimeout time.Duration
	// MetricsAddr (PAAS_METRICS_ADDR) serves /metrics; "" is off.
	MetricsAddr string
	// PublishPorts (PAAS_ROUTER_UPSTREAM=published) routes to web
	// processes through ports published on 127.0.0.1, for an engine whose
	// containers paasd cannot reach at their address; the default
	// (container) reaches them there.
	PublishPorts bool
	// SwarmNodes (PAAS_SWARM_NODES) are the Docker Engines of a swarm's
	// nodes, "unix:///..." or "tcp://host:port" (with TLS from
	// DOCKER_CERT_PATH), which paasd reaches besides the manager's.
	SwarmNodes []string
	// Swarm (PAAS_BACKEND=swarm) runs apps' processes as the services of
	// the swarm whose manager's engine paasd is given; the default
	// (docker) runs them as containers on that engine.
	Swarm bool
	// NetHTTPRouter (PAAS_ROUTER_FASTPATH=0) serves the router's plain
	// HTTP listener with net/http's server alone, without the fast path.
	NetHTTPRouter bool
	// The router's optional HTTPS listener: all three or none.
	RouterTLSAddr string // PAAS_ROUTER_TLS_ADDR
	RouterTLSCert string // PAAS_ROUTER_TLS_CERT: PEM certificate file, the chain after the leaf
	RouterTLSKey  string // PAAS_ROUTER_TLS_KEY: PEM private key file

	// DrainAllowPrivate (PAAS_DRAIN_ALLOW_PRIVATE) lets log drains send to
	// this machine and to link-local addresses (cloud metadata).
	DrainAllowPrivate bool
	// SourceAllowPrivate (PAAS_SOURCE_ALLOW_PRIVATE) lets builds fetch
	// source blobs from this machine and link-local addresses.
	SourceAllowPrivate bool
	// LedgerKeyFile (PAAS_LEDGER_KEY_FILE) holds the key of the release
	// digests; "" is ledger.key in the data dir.
	LedgerKeyFile string
	// StackImage (PAAS_STACK_IMAGE) is a Debian bookworm image to build the
	// stack on; "" makes one with debootstrap. StackMirror
	// (PAAS_STACK_MIRROR) is the Debian mirror the stack's packages come
	// from.
	StackImage, StackMirror string
	// PostgresImage (PAAS_POSTGRES_IMAGE) and RedisImage
	// (PAAS_REDIS_IMAGE) are the add-on services' images instead of
	// paas's own; Docker's official postgres and redis images fit.
	PostgresImage, RedisImage string
	// ACMEEmail (PAAS_ACME_EMAIL) turns automatic certificates on, with
	// this contact for the account; ACMEDirectory (PAAS_ACME_DIRECTORY)
	// is the CA; ACMECAFile (PAAS_ACME_CA_FILE) a root to trust for it.
	ACMEEmail, ACMEDirectory, ACMECAFile string
	// ACMEChallenges (PAAS_ACME_CHALLENGES) are the challenge types
	// answered; empty: http-01 and tls-alpn-01.
	ACMEChallenges string
}

// AddonImages are the configured add-on images, by service.
func (c Config) AddonImages() map[string]string {
	return map[string]string{"postgres": c.PostgresImage, "redis": c.RedisImage}
}

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// ConfigFromEnv reads the configuration through getenv (os.Getenv in main),
// applying defaults and refusing values that cannot work.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DataDir:              datadir.Default(),
		APIAddr:              or(getenv("PAAS_API_ADDR"), DefaultAPIAddr),
		RouterAddr:           or(getenv("PAAS_ROUTER_ADDR"), DefaultRouterAddr),
		Domain:               strings.ToLower(or(getenv("PAAS_DOMAIN"), router.DefaultDomain)),
		APIToken:             getenv("PAAS_API_TOKEN"),
		BootTimeout:          runner.DefaultBootTimeout,
		StopTimeout:          runner.DefaultStopTimeout,
		KeepReleases:         platform.DefaultKeepReleases,
		LogLines:             logplex.DefaultBufferLines,
		RouterTimeout:        router.DefaultTimeout,
		MetricsAddr:          metrics.DefaultAddr,
		Memory:               runner.DefaultMemory,
		PIDs:                 runner.DefaultPIDs,
		CPUShares:            runner.DefaultCPUShares,
		MaxConnsPerAddr:      connguard.DefaultPerAddr,
		BuildContextMax:      gitserver.DefaultMaxContextBytes,
		BuildContextMaxFiles: gitserver.DefaultMaxContextFiles,
		BuildConcurrency:     platform.DefaultBuildConcurrency,
		BuildMemory:          platform.DefaultBuildMemory,
		BuildTimeout:         platform.DefaultBuildTimeout,
		BackupKeep:           platform.DefaultBackupKeep,
	}
	if d := getenv(datadir.Env); d != "" {
		c.DataDir = d
	}
	for name, addr := range map[string]string{"PAAS_API_ADDR": c.APIAddr, "PAAS_ROUTER_ADDR": c.RouterAddr} {
		if err := checkAddr(addr); err != nil {
			return Config{}, fmt.Errorf("check %s: %w", name, err)
		}
	}
	if err := c.readMetricsAddr(getenv("PAAS_METRICS_ADDR")); err != nil {
		return Config{}, err
	}
	switch v := getenv("PAAS_ROUTER_UPSTREAM"); v {
	case "", "container":
	case "published":
		c.PublishPorts = true
	default:
		return Config{}, fmt.Errorf("check PAAS_ROUTER_UPSTREAM: %q is neither container (reach web processes at their address on the app's network, the default) nor published (through a port published on 127.0.0.1, where paasd cannot reach containers' addresses)", v)
	}
	nodes, nodesErr := swarmNodes(getenv("PAAS_SWARM_NODES"), getenv("DOCKER_CERT_PATH"))
	if nodesErr != nil {
		return Config{}, nodesErr
	}
	c.SwarmNodes = nodes
	switch v := getenv("PAAS_BACKEND"); v {
	case "", "docker":
	case "swarm":
		c.Swarm = true
	default:
		return Config{}, fmt.Errorf("check PAAS_BACKEND: %q is neither docker (processes as containers on paasd's engine, the default) nor swarm (as services of the swarm whose manager's engine paasd is given)", v)
	}
	switch v := getenv("PAAS_ROUTER_FASTPATH"); v {
	case "", "1":
	case "0":
		c.NetHTTPRouter = true
	default:
		return Config{}, fmt.Errorf("check PAAS_ROUTER_FASTPATH: %q is neither 1 (serve HTTP/1.1 requests on the router's own connection loop, the default) nor 0 (net/http's server for every request)", v)
	}
	if err := c.readACME(getenv); err != nil {
		return Config{}, err
	}
	if err := c.readRouterTLS(getenv); err != nil {
		return Config{}, err
	}
	if !domainPattern.MatchString(c.Domain) {
		return Config{}, fmt.Errorf("check PAAS_DOMAIN: %q is not a domain name (example: localhost or apps.example.com)", c.Domain)
	}
	var err error
	if c.BootTimeout, err = duration(getenv, "PAAS_BOOT_TIMEOUT", c.BootTimeout); err != nil {
		return Config{}, err
	}
	if c.StopTimeout, err = duration(getenv, "PAAS_STOP_TIMEOUT", c.StopTimeout); err != nil {
		return Config{}, err
	}
	if c.RouterTimeout, err = duration(getenv, "PAAS_ROUTER_TIMEOUT", c.RouterTimeout); err != nil {
		return Config{}, err
	}
	if v := getenv("PAAS_KEEP_RELEASES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return Config{}, fmt.Errorf("check PAAS_KEEP_RELEASES: %q is not a number from 1 to 1000", v)
		}
		c.KeepReleases = n
	}
	if v := getenv("PAAS_LOG_LINES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 || n > 1_000_000 {
			return Config{}, fmt.Errorf("check PAAS_LOG_LINES: %q is not a number from 100 to 1000000", v)
		}
		c.LogLines = n
	}
	if v := getenv("PAAS_MEMORY_LIMIT"); v != "" {
		n, err := api.ParseMemory(v)
		if err != nil {
			return Config{}, fmt.Errorf("check PAAS_MEMORY_LIMIT: %q: %w (example: 512m, 1g)", v, err)
		}
		c.Memory = n
	}
	if v := getenv("PAAS_MAX_CONNS_PER_ADDR"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("check PAAS_MAX_CONNS_PER_ADDR: %q is not a whole number of 1 or more (default %d)", v, connguard.DefaultPerAddr)
		}
		c.MaxConnsPerAddr = n
	}
	if v := getenv("PAAS_BUILD_CONTEXT_MAX"); v != "" {
		n, err := api.ParseMemory(v)
		if err != nil {
			return Config{}, fmt.Errorf("check PAAS_BUILD_CONTEXT_MAX: %w (example: 2g)", err)
		}
		c.BuildContextMax = n
	}
	if v := getenv("PAAS_BUILD_CONTEXT_MAX_FILES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Config{}, fmt.Errorf("check PAAS_BUILD_CONTEXT_MAX_FILES: %q is not a whole number of 1 or more (default %d)", v, gitserver.DefaultMaxContextFiles)
		}
		c.BuildContextMaxFiles = n
	}
	if err := c.readBuildLimits(getenv); err != nil {
		return Config{}, err
	}
	if v := getenv("PAAS_PIDS_LIMIT"); v != "" {
		l, err := api.ParseLimit("pids=" + v)
		if err != nil {
			return Config{}, fmt.Errorf("check PAAS_PIDS_LIMIT: %w", err)
		}
		c.PIDs = l.PIDs
	}
	if v := getenv("PAAS_CPU_SHARES"); v != "" {
		l, err := api.ParseLimit("cpu=" + v)
		if err != nil {
			return Config{}, fmt.Errorf("check PAAS_CPU_SHARES: %w", err)
		}
		c.CPUShares = l.CPUShares
	}

	if v := getenv(logplex.DrainAllowPrivateEnv); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("check %s: %q is not 1 or 0 (true or false)", logplex.DrainAllowPrivateEnv, v)
		}
		c.DrainAllowPrivate = b
	}
	if v := getenv(platform.SourceAllowPrivateEnv); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("check %s: %q is not 1 or 0 (true or false)", platform.SourceAllowPrivateEnv, v)
		}
		c.SourceAllowPrivate = b
	}
	c.LedgerKeyFile = getenv("PAAS_LEDGER_KEY_FILE")
	c.StackImage = getenv("PAAS_STACK_IMAGE")
	if c.StackImage != "" && !imageRefPattern.MatchString(c.StackImage) {
		return Config{}, fmt.Errorf("check PAAS_STACK_IMAGE: %q is not an image reference (example: debian:bookworm-slim)", c.StackImage)
	}
	for _, v := range []struct {
		name, example string
		to            *string
	}{{"PAAS_POSTGRES_IMAGE", "postgres:16", &c.PostgresImage}, {"PAAS_REDIS_IMAGE", "redis:7", &c.RedisImage}} {
		*v.to = getenv(v.name)
		if *v.to != "" && !imageRefPattern.MatchString(*v.to) {
			return Config{}, fmt.Errorf("check %s: %q is not an image reference (example: %s)", v.name, *v.to, v.example)
		}
	}
	c.StackMirror = or(getenv("PAAS_STACK_MIRROR"), builder.DefaultMirror)
	if u, err := url.Parse(c.StackMirror); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.ContainsAny(c.StackMirror, " '\"\\\n") {
		return Config{}, fmt.Errorf("check PAAS_STACK_MIRROR: %q is not an http:// or https:// URL (default %s)", c.StackMirror, builder.DefaultMirror)
	}
	return c, nil
}

// imageRefPattern is a Docker image reference: [host[:port]/]path[:tag][@digest].
var imageRefPattern = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._/-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)

// readMetricsAddr reads where /metrics is served: a loopback address, as
// it has no token; "off" turns it off.
func (c *Config) readMetricsAddr(v string) error {
	switch v {
	case "":
		return nil
	case "off":
		c.MetricsAddr = ""
		return nil
	}
	if err := checkAddr(v); err != nil {
		return fmt.Errorf("check PAAS_METRICS_ADDR: %w", err)
	}
	host, _, _ := net.SplitHostPort(v)
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("check PAAS_METRICS_ADDR: %q is not a loopback address: /metrics has no token, so it listens on this machine only (e.g. 127.0.0.1:7071; a Prometheus elsewhere scrapes it through a tunnel or a proxy with auth), or set it to off", v)
	}
	c.MetricsAddr = v
	return nil
}

// readACME reads the ACME account: off unless PAAS_ACME_EMAIL is set.
func (c *Config) readACME(getenv func(string) string) error {
	c.ACMEEmail = strings.TrimSpace(getenv("PAAS_ACME_EMAIL"))
	c.ACMEDirectory = getenv("PAAS_ACME_DIRECTORY")
	c.ACMECAFile = getenv("PAAS_ACME_CA_FILE")
	if c.ACMEEmail == "" {
		if c.ACMEDirectory != "" || c.ACMECAFile != "" {
			return errors.New("check PAAS_ACME_DIRECTORY and PAAS_ACME_CA_FILE: automatic certificates are off without PAAS_ACME_EMAIL: set it to the account's contact address")
		}
		return nil
	}
	if at := strings.IndexByte(c.ACMEEmail, '@'); at < 1 || at == len(c.ACMEEmail)-1 || strings.ContainsAny(c.ACMEEmail, " \t\r\n<>,;") {
		return fmt.Errorf("check PAAS_ACME_EMAIL: %q is not an email address (example: ops@example.com)", c.ACMEEmail)
	}
	if c.ACMEDirectory == "" {
		c.ACMEDirectory = certs.DefaultDirectory
	}
	c.ACMEChallenges = getenv("PAAS_ACME_CHALLENGES")
	for _, typ := range c.ACMEChallengeTypes() {
		if typ != certs.ChallengeHTTP01 && typ != certs.ChallengeTLSALPN01 {
			return fmt.Errorf("check PAAS_ACME_CHALLENGES: %q: use http-01, tls-alpn-01 or both, comma-separated", typ)
		}
	}
	if u, err := url.Parse(c.ACMEDirectory); err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("check PAAS_ACME_DIRECTORY: %q is not an https:// URL (default %s)", c.ACMEDirectory, certs.DefaultDirectory)
	}
	if c.ACMECAFile != "" {
		data, err := os.ReadFile(c.ACMECAFile)
		if err != nil {
			return fmt.Errorf("check PAAS_ACME_CA_FILE: %w", err)
		}
		if err := checkCertificatePEM(data); err != nil {
			return fmt.Errorf("check PAAS_ACME_CA_FILE: %s: %w", c.ACMECAFile, err)
		}
	}
	return nil
}

// ACMEChallengeTypes are PAAS_ACME_CHALLENGES's types; nil: the default.
func (c Config) ACMEChallengeTypes() []string {
	var out []string
	for t := range strings.SplitSeq(c.ACMEChallenges, ",") {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// routerTLSEnv are the variables of the router's HTTPS listener, which only
// work together.
var routerTLSEnv = []string{"PAAS_ROUTER_TLS_ADDR", "PAAS_ROUTER_TLS_CERT", "PAAS_ROUTER_TLS_KEY"}

func (c *Config) readRouterTLS(getenv func(string) string) error {
	var set, missing []string
	for _, name := range routerTLSEnv {
		if getenv(name) != "" {
			set = append(set, name)
		} else {
			missing = append(missing, name)
		}
	}
	if len(set) == 0 {
		return nil
	}
	// With ACME the listener may serve only the certificates it orders.
	acmeOnly := c.ACMEEmail != "" && getenv("PAAS_ROUTER_TLS_ADDR") != "" && getenv("PAAS_ROUTER_TLS_CERT") == "" && getenv("PAAS_ROUTER_TLS_KEY") == ""
	if len(missing) > 0 && !acmeOnly {
		return fmt.Errorf("check %s: the router's TLS listener needs PAAS_ROUTER_TLS_ADDR (host:port), PAAS_ROUTER_TLS_CERT and PAAS_ROUTER_TLS_KEY (PEM files) together: set %s too, or unset %s",
			strings.Join(set, ", "), strings.Join(missing, " and "), strings.Join(set, " and "))
	}
	c.RouterTLSAddr, c.RouterTLSCert, c.RouterTLSKey = getenv("PAAS_ROUTER_TLS_ADDR"), getenv("PAAS_ROUTER_TLS_CERT"), getenv("PAAS_ROUTER_TLS_KEY")
	if err := checkAddr(c.RouterTLSAddr); err != nil {
		return fmt.Errorf("check PAAS_ROUTER_TLS_ADDR: %w", err)
	}
	return nil
}

// RouterTLS loads the router's certificate and key for its HTTPS listener;
// nil without one. Errors name the variable and the file at fault.
func (c Config) RouterTLS() (*tls.Config, error) {
	if c.RouterTLSAddr == "" {
		return nil, nil
	}
	if c.RouterTLSCert == "" { // ACME's certificates only
		return &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: routerProtos()}, nil
	}
	certPEM, err := os.ReadFile(c.RouterTLSCert)
	if err != nil {
		return nil, fmt.Errorf("read PAAS_ROUTER_TLS_CERT: %w", err)
	}
	keyPEM, err := os.ReadFile(c.RouterTLSKey)
	if err != nil {
		return nil, fmt.Errorf("read PAAS_ROUTER_TLS_KEY: %w", err)
	}
	if err := checkCertificatePEM(certPEM); err != nil {
		return nil, fmt.Errorf("check PAAS_ROUTER_TLS_CERT: %s: %w", c.RouterTLSCert, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("check PAAS_ROUTER_TLS_KEY: %s with certificate %s: %w (want the PEM private key of that certificate)", c.RouterTLSKey, c.RouterTLSCert, err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   routerProtos(),
	}, nil
}

// routerProtos are what the router's TLS listener offers by ALPN: HTTP/2
// to clients that speak it (the router speaks HTTP/1.1 to apps all the
// same), HTTP/1.1 to the others. A WebSocket, like any Upgrade, goes over
// HTTP/1.1: browsers open an HTTP/1.1 connection for it.
func routerProtos() []string { return []string{"h2", "http/1.1"} }

// checkCertificatePEM says what is wrong with a certificate file, so that
// the error names it rather than the key.
func checkCertificatePEM(data []byte) error {
	found := false
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch {
		case block.Type == "CERTIFICATE":
			if _, err := x509.ParseCertificate(block.Bytes); err != nil {
				return fmt.Errorf("parse certificate: %w", err)
			}
			found = true
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			return errors.New("it holds a private key: give the certificate here and the key in PAAS_ROUTER_TLS_KEY")
		}
	}
	if !found {
		return errors.New("no PEM certificate (-----BEGIN CERTIFICATE-----) in it")
	}
	return nil
}

func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: want host:port, e.g. 127.0.0.1:7070: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port must be a number from 0 to 65535", addr)
	}
	return nil
}

func duration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("check %s: %q is not a positive duration (example: 60s, 2m)", name, v)
	}
	return d, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// readBuildLimits reads the caps every build runs under.
func (c *Config) readBuildLimits(getenv func(string) string) error {
	if v := getenv("PAAS_BUILD_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return fmt.Errorf("check PAAS_BUILD_CONCURRENCY: %q is not a number from 1 to 64 (default %d)", v, platform.DefaultBuildConcurrency)
		}
		c.BuildConcurrency = n
	}
	if v := getenv("PAAS_BUILD_MEMORY"); v != "" {
		n, err := api.ParseMemory(v)
		if err != nil || n < 16<<20 {
			return fmt.Errorf("check PAAS_BUILD_MEMORY: %q is not a memory size of 16m or more (example: 2g)", v)
		}
		c.BuildMemory = n
	}
	var err error
	if c.BuildTimeout, err = duration(getenv, "PAAS_BUILD_TIMEOUT", c.BuildTimeout); err != nil {
		return err
	}
	if v := getenv("PAAS_BACKUP_KEEP"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return fmt.Errorf("check PAAS_BACKUP_KEEP: %q is not a number from 1 to 1000 (default %d)", v, platform.DefaultBackupKeep)
		}
		c.BackupKeep = n
	}
	return nil
}

// swarmNodes reads PAAS_SWARM_NODES: Docker hosts, comma-separated, each
// a Unix socket or TCP with TLS (a swarm's engines are reached across
// machines, and an engine's API is root on its machine).
func swarmNodes(v, certPath string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var hosts []string
	seen := map[string]bool{}
	for _, h := range strings.Split(v, ",") {
		h = strings.TrimSpace(h)
		u, err := url.Parse(h)
		switch {
		case h == "":
			continue
		case err != nil:
			return nil, fmt.Errorf("check PAAS_SWARM_NODES: %q is not a Docker host (unix:///path or tcp://host:port)", h)
		case u.Scheme == "unix" && strings.HasPrefix(u.Path, "/") && u.Host == "":
		case u.Scheme == "tcp" && u.Port() != "" && u.Hostname() != "" && (u.Path == "" || u.Path == "/"):
			if certPath == "" {
				return nil, fmt.Errorf("check PAAS_SWARM_NODES: %s is TCP without TLS; set DOCKER_CERT_PATH to the directory of ca.pem, cert.pem and key.pem, as for the docker CLI", h)
			}
		default:
			return nil, fmt.Errorf("check PAAS_SWARM_NODES: %q is not a Docker host (unix:///path or tcp://host:port)", h)
		}
		if !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	return hosts, nil
}
