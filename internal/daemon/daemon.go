package daemon

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/client"
	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/addons"
	"github.com/paas-dev/paas/internal/apiserver"
	"github.com/paas-dev/paas/internal/auth"
	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/certs"
	"github.com/paas-dev/paas/internal/connguard"
	"github.com/paas-dev/paas/internal/dashboard"
	"github.com/paas-dev/paas/internal/gitserver"
	"github.com/paas-dev/paas/internal/logplex"
	"github.com/paas-dev/paas/internal/metrics"
	"github.com/paas-dev/paas/internal/platform"
	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/router"
	"github.com/paas-dev/paas/internal/runner"
	"github.com/paas-dev/paas/internal/version"
)

// ShutdownTimeout bounds how long in-flight requests get to finish on SIGTERM.
const ShutdownTimeout = 30 * time.Second

// Run starts paasd and blocks until ctx is cancelled, then shuts the servers
// down gracefully. App containers keep running; the next start adopts them.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	routerTLS, err := cfg.RouterTLS() // first: a bad certificate must not leave a half-started daemon
	if err != nil {
		return err
	}
	logCertificate(log, cfg.RouterTLSCert, routerTLS)
	staticLeaf := leafOf(routerTLS) // before ACME takes over the listener's certificates
	token, tokenPath, err := auth.LoadOrCreateToken(cfg.DataDir, cfg.APIToken)
	if err != nil {
		return err
	}
	if tokenPath != "" {
		log.Info("api token", "file", tokenPath)
	}
	daemonID, err := loadDaemonID(cfg.DataDir)
	if err != nil {
		return err
	}
	store, err := openLedger(cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if n, err := store.FailPending(); err != nil {
		return fmt.Errorf("recover ledger: %w", err)
	} else if n > 0 {
		log.Warn("releases interrupted by a previous stop marked failed", "count", n)
	}
	verifyLedger(store, log)
	docker, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer docker.Close()

	apiLn, err := listenTCP(cfg.APIAddr, cfg.MaxConnsPerAddr, "the API", "PAAS_API_ADDR")
	if err != nil {
		return err
	}
	routerLn, err := listenTCP(cfg.RouterAddr, cfg.MaxConnsPerAddr, "the router", "PAAS_ROUTER_ADDR")
	if err != nil {
		apiLn.Close()
		return err
	}
	var routerTLSLn net.Listener
	if routerTLS != nil {
		ln, err := listenTCP(cfg.RouterTLSAddr, cfg.MaxConnsPerAddr, "the router's TLS", "PAAS_ROUTER_TLS_ADDR")
		if err != nil {
			apiLn.Close()
			routerLn.Close()
			return err
		}
		routerTLSLn = tls.NewListener(ln, routerTLS)
	}
	socketLn, err := listenSocket(cfg.DataDir)
	if err != nil {
		apiLn.Close()
		routerLn.Close()
		if routerTLSLn != nil {
			routerTLSLn.Close()
		}
		return err
	}
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		metricsLn, err = net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			apiLn.Close()
			routerLn.Close()
			socketLn.Close()
			if routerTLSLn != nil {
				routerTLSLn.Close()
			}
			return fmt.Errorf("listen for metrics on %s: %w (set PAAS_METRICS_ADDR to a free loopback address, or off)", cfg.MetricsAddr, err)
		}
	}

	// On a swarm the collector reads tasks' output through the manager.
	var output logplex.ContainerLogser = docker
	if cfg.Swarm {
		output = runner.SwarmLogs{API: docker}
	}
	logs, err := logplex.New(logplex.Options{Dir: filepath.Join(cfg.DataDir, "logs"), BufferLines: cfg.LogLines, Docker: output, Logger: log,
		AllowPrivateDrains: cfg.DrainAllowPrivate})
	if err != nil {
		return fmt.Errorf("open log store: %w", err)
	}
	defer logs.Close()
	var tlsAddr net.Addr
	if routerTLSLn != nil {
		tlsAddr = routerTLSLn.Addr()
	}
	rt := router.New(cfg.Domain, log)
	rt.SetRequestLog(logs)
	rt.SetTimeout(cfg.RouterTimeout)
	usage := runner.NewUsageSampler(docker, daemonID, runner.DefaultUsageEvery, log)
	usageCtx, stopUsage := context.WithCancel(context.Background())
	defer stopUsage()
	go usage.Run(usageCtx)
	runOpts := runner.Options{
		DaemonID: daemonID, BootTimeout: cfg.BootTimeout, StopTimeout: cfg.StopTimeout,
		DefaultMemory: cfg.Memory, DefaultPIDs: cfg.PIDs, DefaultCPUShares: cfg.CPUShares, Events: logs, Logger: log,
		Usage: usage, PublishPorts: cfg.PublishPorts,
	}
	engines, err := dialNodeEngines(ctx, cfg.SwarmNodes, docker.ClientVersion(), log)
	if err != nil {
		return err
	}
	defer func() {
		for _, e := range engines {
			e.client.Close()
		}
	}()
	run, err := newRunner(ctx, usageCtx, cfg, docker, rt, engines, runOpts)
	if err != nil {
		return err
	}
	// The certificates' manager comes after the platform, which it needs;
	// web URLs read it when asked, once it is there.
	var certMgr *certs.Manager
	plat := platform.New(store, builder.NewImageBuilder(docker), platform.DockerImages{API: docker}, run, rt,
		platform.Options{
			WebURL:              webURL(cfg.Domain, routerLn.Addr(), tlsAddr, func(host string) bool { return hasCertificate(certMgr, staticLeaf)(host) }),
			GitURL:              gitURL(apiLn.Addr()),
			Domain:              cfg.Domain,
			KeepReleases:        cfg.KeepReleases,
			BootTimeout:         cfg.BootTimeout,
			StopTimeout:         cfg.StopTimeout,
			DefaultMemory:       cfg.Memory,
			DefaultPIDs:         cfg.PIDs,
			DefaultCPUShares:    cfg.CPUShares,
			Logs:                logs,
			Logger:              log,
			DaemonID:            daemonID,
			Account:             account(cfg.DataDir, daemonID, cfg.Domain),
			AllowPrivateSources: cfg.SourceAllowPrivate,
			MaxSourceBytes:      cfg.BuildContextMax,
			BuildLogDir:         filepath.Join(cfg.DataDir, "builds"),
			BuildConcurrency:    cfg.BuildConcurrency,
			BuildMemory:         cfg.BuildMemory,
			BuildTimeout:        cfg.BuildTimeout,
			BackupDir:           filepath.Join(cfg.DataDir, "backups"),
			BackupKeep:          cfg.BackupKeep,
		})
	defer plat.Close()
	git := gitserver.New(filepath.Join(cfg.DataDir, "repos"), plat, plat, log)
	git.SetLimits(gitserver.Options{MaxContextBytes: cfg.BuildContextMax, MaxContextFiles: cfg.BuildContextMaxFiles})
	plat.SetRepos(git)
	plat.SetSources(git)
	stacks := stacksFor(cfg, docker)
	plat.SetStacks(stacks)
	addonEngine := addons.NewDocker(docker, stacks, daemonID, cfg.AddonImages())
	addonEngine.Overlay = cfg.Swarm
	plat.SetAddons(addonEngine)
	acmeCtx, stopACME := context.WithCancel(context.Background())
	defer stopACME()
	certMgr, err = startCerts(acmeCtx, cfg, routerTLS, logs, log)
	if err != nil {
		return err
	}
	if certMgr != nil {
		plat.SetCerts(certMgr)
	}
	if tlsAddr != nil {
		rt.SetTLS(portOf(tlsAddr), hasCertificate(certMgr, staticLeaf))
	}

	// The figures are kept with or without /metrics: the dashboard's
	// charts read them through the API.
	figures := metrics.New(plat, log)
	rt.SetObserver(figures)
	plat.SetObserver(figures)
	logs.SetObserver(figures)
	handler := apiHandler(token, plat, git, apiserver.LogsFrom(logs, plat.AppExists), apiserver.DrainsFrom(logs), figures, engineNodes{docker, engines}, log)
	apiSrv := newAPIServer(handler, log)
	socketSrv := newAPIServer(socketHandler(token, apiLn.Addr(), handler), log)
	routerSrv := NewRouterServer(rt, log)
	if certMgr != nil {
		routerSrv.Handler = certMgr.HTTPHandler(routerSrv.Handler) // HTTP-01 on the HTTP listener
	}
	servers := []*http.Server{apiSrv, socketSrv, routerSrv}
	var metricsSrv *http.Server
	if metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", figures.Handler())
		metricsSrv = newAPIServer(mux, log)
		servers = append(servers, metricsSrv)
	}
	var routerTLSSrv *http.Server
	if routerTLSLn != nil {
		// The same router: it sets X-Forwarded-Proto https from the
		// connection. ReadHeaderTimeout also bounds the TLS handshake.
		routerTLSSrv = &http.Server{
			Handler:           routerSrv.Handler,
			ReadHeaderTimeout: routerSrv.ReadHeaderTimeout,
			IdleTimeout:       routerSrv.IdleTimeout,
			ErrorLog:          routerSrv.ErrorLog,
			// HTTP/2 where the client picks it by ALPN (Config.RouterTLS).
		}
		servers = append(servers, routerTLSSrv)
	}
	errc := make(chan error, len(servers))
	serve := func(name string, srv *http.Server, ln net.Listener) {
		log.Info("listening", "server", name, "addr", ln.Addr().String())
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("serve %s: %w", name, err)
		}
	}
	// Tails end at shutdown rather than holding it for its whole bound.
	apiSrv.RegisterOnShutdown(logs.EndTails)
	socketSrv.RegisterOnShutdown(logs.EndTails)
	// Restore before serving: a push accepted during it could have its fresh
	// containers taken for leftovers of a deleted app.
	if err := plat.Restore(ctx); err != nil {
		log.Error("restore apps", "err", err)
	}
	supervising, stopSupervising := context.WithCancel(context.Background())
	supervised := make(chan struct{})
	go func() {
		defer close(supervised)
		run.Supervise(supervising)
	}()
	defer func() { stopSupervising(); <-supervised }()
	go serve("api", apiSrv, apiLn)
	go serve("api-socket", socketSrv, socketLn)
	// The fast path takes the router's listener and hands net/http what it
	// does not serve itself.
	var fast *router.FastPath
	if !cfg.NetHTTPRouter {
		fast = RouterFastPath(rt, routerLn)
		routerLn = fast
	}
	go serve("router", routerSrv, routerLn)
	if metricsSrv != nil {
		go serve("metrics", metricsSrv, metricsLn)
	}
	if routerTLSSrv != nil {
		go serve("router-tls", routerTLSSrv, routerTLSLn)
	}
	log.Info("paasd ready", "version", version.Get().Version, "commit", version.Get().Commit, "data_dir", cfg.DataDir, "domain", cfg.Domain)

	var failed error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", ShutdownTimeout.String())
	case failed = <-errc:
		log.Error("server failed, shutting down", "err", failed)
	}
	shutdown(log, fast, servers...)
	log.Info("paasd stopped")
	return failed // non-nil makes a supervisor restart paasd
}

// apiHandler serves the REST API and git, both behind the token; /healthz is
// open so supervisors can probe the daemon.
func apiHandler(token string, p apiserver.Platform, git *gitserver.Server, logs apiserver.LogStreamer, drains apiserver.DrainStore, figures apiserver.RouterFigures, nodes apiserver.NodeLister, log *slog.Logger) http.Handler {
	r := mux.NewRouter()
	apiserver.Register(r, p, log)
	apiserver.RegisterLogs(r, logs, log)
	apiserver.RegisterDrains(r, drains, p, log)
	apiserver.RegisterRouterMetrics(r, figures, p, log)
	apiserver.RegisterNodes(r, nodes, log)
	git.Register(r)
	return guardAPI(token, r, log)
}

// guardAPI lets through to h only requests with the token, or with the
// cookie of a dashboard session (and, for a change, its CSRF token). Until
// the token checks out a request has DefaultAnonymous to arrive whole;
// after, its body only has to keep coming. /healthz is open, and so are log
// sessions' and builds' output URLs, whose secret is their credential, and
// the dashboard's pages and sign-in.
func guardAPI(token string, h http.Handler, log *slog.Logger) http.Handler {
	guarded := connguard.Deadline(connguard.DefaultAnonymous,
		auth.Middleware(token)(connguard.IdleBody(connguard.DefaultBodyIdle, h)))
	session := connguard.Deadline(connguard.DefaultAnonymous, h)
	dash := dashboard.New(token, log)
	pages := connguard.Deadline(connguard.DefaultAnonymous, dash)
	byCookie := connguard.Deadline(connguard.DefaultAnonymous,
		dash.Authenticate(connguard.IdleBody(connguard.DefaultBodyIdle, h)))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch {
		case req.URL.Path == api.HealthPath:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(healthBody)
		case strings.HasPrefix(req.URL.Path, apiserver.LogSessionPath), strings.HasPrefix(req.URL.Path, api.BuildOutputPath):
			session.ServeHTTP(w, req)
		case req.URL.Path+"/" == dashboard.Path, strings.HasPrefix(req.URL.Path, dashboard.Path):
			pages.ServeHTTP(w, req)
		case dashboard.HasSession(req) && !strings.HasPrefix(req.URL.Path, "/git/"):
			byCookie.ServeHTTP(w, req)
		default:
			guarded.ServeHTTP(w, req)
		}
	})
}

// healthBody is /healthz's answer: up, and which build.
var healthBody = health()

func health() []byte {
	v := version.Get()
	b, err := json.Marshal(api.Health{Status: "ok", Version: v.Version, Commit: v.Commit, Go: v.Go})
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	return append(b, '\n')
}

// verifyLedger checks every app's release digest chain and says loudly where
// one breaks. paasd still starts: refusing to serve would not mend the ledger.
func verifyLedger(store *releases.Store, log *slog.Logger) {
	results, err := store.VerifyAll()
	if err != nil {
		log.Error("verify ledger", "err", err)
		return
	}
	for _, v := range results {
		if v.FirstBad != 0 {
			log.Error("release history does not verify", "app", v.App, "first_bad", fmt.Sprintf("v%d", v.FirstBad), "problem", v.Problem)
		}
	}
	log.Info("ledger verified", "apps", len(results))
}

func shutdown(log *slog.Logger, fast *router.FastPath, servers ...*http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	if fast != nil {
		wg.Go(func() {
			if err := fast.Shutdown(ctx); err != nil {
				log.Warn("shutdown cut requests short", "err", err)
			}
		})
	}
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(ctx); err != nil {
				log.Warn("shutdown cut requests short", "err", err)
				_ = srv.Close()
			}
		}()
	}
	wg.Wait()
}

func dockerClient(ctx context.Context) (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("create docker client: %w (check DOCKER_HOST)", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ping, err := cli.Ping(pingCtx)
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("reach the Docker Engine at %s: %w (start it, e.g. systemctl start docker, or set DOCKER_HOST)", cli.DaemonHost(), err)
	}
	// Now, before any goroutine uses the client: its lazy negotiation at
	// the first request is a data race between concurrent first requests.
	cli.NegotiateAPIVersionPing(ping)
	return cli, nil
}

var daemonIDPattern = regexp.MustCompile(`^[0-9a-f]{12}$`)

// loadDaemonID names this installation on the Docker Engine, so two paasd
// sharing one engine never touch each other's containers.
func loadDaemonID(dir string) (string, error) {
	path := filepath.Join(dir, "daemon-id")
	b, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(b))
		if !daemonIDPattern.MatchString(id) {
			return "", fmt.Errorf("read daemon id: %s holds %q, not 12 hex digits; delete the file (paasd then adopts no old containers and removes none)", path, id)
		}
		return id, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read daemon id: %w", err)
	}
	raw := make([]byte, 6)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate daemon id: %w", err)
	}
	id := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write daemon id: %w", err)
	}
	return id, nil
}

// account is the API token's owner: one per paasd, its administrator, with
// an id made from the daemon's and the time the daemon id was first written
// as its creation.
func account(dataDir, daemonID, domain string) api.Account {
	created := time.Unix(0, 0).UTC()
	if fi, err := os.Stat(filepath.Join(dataDir, "daemon-id")); err == nil {
		created = fi.ModTime().UTC().Truncate(time.Second)
	}
	return api.Account{
		ID:        releases.ChildID(daemonID, "account", "admin"),
		Email:     "admin@" + domain,
		Name:      "paas administrator",
		CreatedAt: created,
		UpdatedAt: created,
		Verified:  true,
	}
}

// logCertificate says which names the router's TLS certificate serves, and
// warns when it has expired: clients will refuse it.
func logCertificate(log *slog.Logger, file string, cfg *tls.Config) {
	leaf := leafOf(cfg)
	if leaf == nil {
		return
	}
	log.Info("router TLS certificate", "file", file, "names", leaf.DNSNames, "not_after", leaf.NotAfter)
	if time.Now().After(leaf.NotAfter) {
		log.Warn("router TLS certificate has expired: HTTPS clients will refuse it", "file", file, "not_after", leaf.NotAfter)
	}
}

// webURL gives an app's address on the router: https when the router has a
// TLS listener whose certificate covers "<app>.<domain>", else http.
func webURL(domain string, routerAddr, tlsAddr net.Addr, has func(host string) bool) func(string) string {
	suffix := func(addr net.Addr, defaultPort string) string {
		_, port, _ := net.SplitHostPort(addr.String())
		if port == defaultPort {
			return "." + domain
		}
		return "." + domain + ":" + port
	}
	plain := suffix(routerAddr, "80")
	if tlsAddr == nil {
		return func(app string) string { return "http://" + app + plain + "/" }
	}
	secure := suffix(tlsAddr, "443")
	return func(app string) string {
		if has(app + "." + domain) {
			return "https://" + app + secure + "/"
		}
		return "http://" + app + plain + "/"
	}
}

// leafOf is the certificate a TLS config serves, or nil.
func leafOf(cfg *tls.Config) *x509.Certificate {
	if cfg == nil || len(cfg.Certificates) == 0 {
		return nil
	}
	return cfg.Certificates[0].Leaf
}

func gitURL(apiAddr net.Addr) func(string) string {
	host, port, _ := net.SplitHostPort(apiAddr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	base := "http://" + net.JoinHostPort(host, port) + "/git/"
	return func(app string) string { return base + app + ".git" }
}
