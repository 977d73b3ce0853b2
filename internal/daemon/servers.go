package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/auth"
	"github.com/paas-dev/paas/internal/connguard"
	"github.com/paas-dev/paas/internal/datadir"
	"github.com/paas-dev/paas/internal/router"
)

// listenTCP listens on addr with at most perAddr connections from each
// client address, so that one client cannot hold every descriptor.
func listenTCP(addr string, perAddr int, what, env string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for %s on %s: %w (set %s to a free address)", what, addr, err, env)
	}
	return connguard.Limit(ln, perAddr), nil
}

// listenSocket listens on the API socket in dataDir, which only its owner can
// reach (the directory is 0700, the socket 0600): a local paasctl sends the
// daemon's token there, never to a TCP port someone else may hold. A socket
// left by a paasd that was killed is replaced.
func listenSocket(dataDir string) (net.Listener, error) {
	path := datadir.SocketPath(dataDir)
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&fs.ModeSocket == 0 {
			return nil, fmt.Errorf("listen on the API socket: %s exists and is not a socket: move it away", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("listen on the API socket: another paasd serves %s: stop it, or give this one its own PAAS_DATA_DIR", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove the stale API socket: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("check the API socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on the API socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restrict the API socket: %w", err)
	}
	return ln, nil
}

// socketHandler is the API as served on the socket, plus api.LocalPath,
// which says where the TCP API listens.
func socketHandler(token string, apiAddr net.Addr, apiHandler http.Handler) http.Handler {
	local := auth.Middleware(token)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(api.Local{APIAddr: apiAddr.String()})
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == api.LocalPath {
			local.ServeHTTP(w, r)
			return
		}
		apiHandler.ServeHTTP(w, r)
	})
}

// newAPIServer serves the API. Headers must arrive within 10 s; apiHandler
// bounds the rest of each request.
func newAPIServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// The router's bounds on a client, on the fast path and on net/http's.
const (
	routerHeaderTimeout = 10 * time.Second
	routerIdleTimeout   = 90 * time.Second
)

// NewRouterServer serves apps (paasd, and the router benchmark). A request
// body may pause at most connguard.DefaultBodyIdle; there is no bound on how
// long a body or a response takes in all, so uploads, streams and WebSockets
// go through.
func NewRouterServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           connguard.IdleBody(connguard.DefaultBodyIdle, h),
		ReadHeaderTimeout: routerHeaderTimeout,
		IdleTimeout:       routerIdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// RouterFastPath serves r's plain HTTP/1.1 requests from ln on the
// router's fast path, with NewRouterServer's bounds; serve what it hands
// over with NewRouterServer.
func RouterFastPath(r *router.Router, ln net.Listener) *router.FastPath {
	return r.FastPath(ln, router.FastPathOptions{
		HeaderTimeout: routerHeaderTimeout,
		IdleTimeout:   routerIdleTimeout,
		BodyIdle:      connguard.DefaultBodyIdle,
	})
}
