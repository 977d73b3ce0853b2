// Command routerbench serves paasd's router (internal/router) on its own, so
// the load benchmark measures the router and nothing else: no Docker, no
// daemon. It routes "<app>.<domain>" to the backends given, and in swap mode
// cuts the app over to freshly started backend processes again and again
// under load, the way a deploy does, to show that no request is lost.
//
// It prints the address it listens on as its first line of output, then,
// in swap mode, one "swaps ..." summary line when the swaps are done.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/connguard"
	"github.com/paas-dev/paas/internal/daemon"
	"github.com/paas-dev/paas/internal/metrics"
	"github.com/paas-dev/paas/internal/router"
)

type options struct {
	addr       string
	app        string
	domain     string
	backends   string
	requestLog bool
	fastPath   bool
	metrics    bool
	cpuProfile string
	swap       swapOptions
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", "127.0.0.1:0", "address to serve the router on; port 0 picks a free one")
	flag.StringVar(&o.app, "app", "bench", `app name: requests for Host "<app>.<domain>" are routed`)
	flag.StringVar(&o.domain, "domain", router.DefaultDomain, "the router's domain")
	flag.StringVar(&o.backends, "backends", "", "comma-separated backend addresses (host:port); not with -swap-spawn")
	flag.BoolVar(&o.requestLog, "request-log", false, "format a router log line per request, as paasd does, and discard it")
	flag.BoolVar(&o.fastPath, "fast-path", true, "serve on the router's fast path, as paasd does; false: net/http's server only (PAAS_ROUTER_FASTPATH=0)")
	flag.BoolVar(&o.metrics, "metrics", false, "count each request's figures (Prometheus's and the dashboard's), as paasd does")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.StringVar(&o.swap.backendBin, "swap-spawn", "", "swap mode: path of the backend program to start the backend sets from")
	flag.IntVar(&o.swap.size, "swap-size", 2, "swap mode: backend processes per set")
	flag.IntVar(&o.swap.count, "swaps", 20, "swap mode: cut-overs to do, starting at SIGUSR1")
	flag.DurationVar(&o.swap.every, "swap-every", 400*time.Millisecond, "swap mode: time between cut-overs")
	flag.Parse()
	log.SetPrefix("routerbench: ")
	log.SetFlags(0)
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

func run(o options) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r := router.New(o.domain, logger)
	r.AddApp(o.app)
	var lines discardLines
	if o.requestLog {
		r.SetRequestLog(&lines)
	}
	if o.metrics {
		r.SetObserver(metrics.New(noApps{}, logger))
	}

	var sw *swapper
	switch {
	case o.swap.backendBin != "" && o.backends != "":
		return errors.New("give either -backends or -swap-spawn, not both")
	case o.swap.backendBin != "":
		var err error
		if sw, err = newSwapper(o.swap, r, o.app); err != nil {
			return err
		}
		defer sw.close()
	case o.backends != "":
		r.SetBackends(o.app, strings.Split(o.backends, ","))
	default:
		return errors.New("no backends: give -backends or -swap-spawn")
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	// As paasd serves its router: its server, and its cap per client address.
	ln = connguard.Limit(ln, 0)
	if o.fastPath {
		ln = daemon.RouterFastPath(r, ln)
	}
	srv := daemon.NewRouterServer(r, logger)

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("create CPU profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start CPU profile: %w", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if sw != nil {
		start := make(chan os.Signal, 1)
		signal.Notify(start, syscall.SIGUSR1)
		go func() {
			select {
			case <-start:
				fmt.Println(sw.run(ctx))
			case <-ctx.Done():
			}
		}()
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Println(ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	if o.requestLog {
		log.Printf("%d request log lines formatted", lines.n.Load())
	}
	return nil
}

// noApps is a platform without apps: the bench counts the router's figures,
// not the platform's.
type noApps struct{}

func (noApps) Apps(context.Context) ([]api.App, error)                      { return nil, nil }
func (noApps) Addons(context.Context, string) ([]api.Addon, error)          { return nil, nil }
func (noApps) Backups(context.Context, string) ([]api.Backup, error)        { return nil, nil }
func (noApps) CertStatus(context.Context, string) ([]api.CertStatus, error) { return nil, nil }

// discardLines is a request log that only counts the lines it is given.
type discardLines struct{ n atomic.Int64 }

func (d *discardLines) RouterLine(_, _ string) { d.n.Add(1) }
