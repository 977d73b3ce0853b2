package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver"
	"github.com/paas-dev/paas/internal/datadir"
	"github.com/paas-dev/paas/internal/version"
)

const testToken = "test-token-0123456789"

// Slow and greedy clients at one address neither hold the API forever nor
// keep /healthz and authenticated clients out.
func TestAPIServesWhileOneAddressHoldsConnections(t *testing.T) {
	ln, err := listenTCP("127.0.0.1:0", 16, "the API", "PAAS_API_ADDR")
	if err != nil {
		t.Fatal(err)
	}
	apps := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "[]") })
	srv := newAPIServer(guardAPI(testToken, apps, nil), slog.New(slog.NewTextHandler(io.Discard, nil)))
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	// 100 connections from 127.0.0.2: half send headers slowly, half send
	// no token and leave their bodies unsent.
	closed := make(chan bool, 100)
	for i := range 100 {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if i%2 == 0 {
			fmt.Fprint(c, "GET /apps HTTP/1.1\r\nHost: paas\r\n")
		} else {
			fmt.Fprint(c, "POST /git/hello.git/git-receive-pack HTTP/1.1\r\nHost: paas\r\nContent-Length: 1000\r\n\r\n")
		}
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			_, err := io.Copy(io.Discard, c)
			ne, ok := err.(net.Error)
			closed <- !(ok && ne.Timeout())
		}()
	}
	refused := 0
	for range 100 {
		if <-closed {
			refused++
		}
	}
	// 16 may stay; the anonymous bodies among them get their 401 at once
	// but keep the connection for at most DefaultAnonymous.
	if refused < 100-16 {
		t.Errorf("the server closed %d of 100 connections from one address within 3s, want at least 84", refused)
	}

	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz while one address holds connections: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", "http://"+addr+"/apps", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err = client.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("an authenticated call while one address holds connections: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestAPISocketIsTheOwnersAlone(t *testing.T) {
	dir := t.TempDir()
	// A socket left by a paasd killed with -9 is replaced.
	stale, err := net.Listen("unix", datadir.SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()

	ln, err := listenSocket(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Stat(datadir.SocketPath(dir))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if _, err := listenSocket(dir); err == nil {
		t.Error("a second paasd took over a live socket")
	}

	apiAddr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7070}
	srv := newAPIServer(socketHandler(testToken, apiAddr, guardAPI(testToken, http.NotFoundHandler(), nil)), slog.New(slog.NewTextHandler(io.Discard, nil)))
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	l, err := api.NewUnixClient(datadir.SocketPath(dir), testToken).Local(context.Background())
	if err != nil || l.APIAddr != "127.0.0.1:7070" {
		t.Errorf("Local through the socket: %+v, %v", l, err)
	}
	if _, err := api.NewUnixClient(datadir.SocketPath(dir), "wrong").Local(context.Background()); err == nil {
		t.Error("the socket answered a wrong token")
	}

	notSocket := filepath.Join(t.TempDir(), datadir.SocketFile)
	if err := os.WriteFile(notSocket, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := listenSocket(filepath.Dir(notSocket)); err == nil {
		t.Error("a file that is not a socket was replaced")
	}
}

// /healthz answers without the token and says which build paasd is.
func TestHealthSaysWhichBuild(t *testing.T) {
	old := version.Version
	version.Version = "v0.0.1-test"
	t.Cleanup(func() { version.Version = old })
	healthBody = health() // the test stamps after the package initialised it
	t.Cleanup(func() { healthBody = health() })

	apps := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "[]") })
	srv := httptest.NewServer(guardAPI(testToken, apps, nil))
	t.Cleanup(srv.Close)
	h, err := api.NewClient(srv.URL, "").Health(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || h.Version != "v0.0.1-test" || h.Commit == "" || h.Go == "" {
		t.Fatalf("health = %+v, want ok, the stamped version, a commit and the Go release", h)
	}
}

// A log session's URL needs no token: its secret is the credential. Every
// other path does.
func TestLogSessionURLsPassTheTokenCheck(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	srv := httptest.NewServer(guardAPI(testToken, ok, nil))
	t.Cleanup(srv.Close)
	for path, want := range map[string]int{apiserver.LogSessionPath + "abc": 200, "/apps": 401, "/log-sessionsX": 401} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s without the token: %d, want %d", path, resp.StatusCode, want)
		}
	}
}
