package e2e

import (
	"bufio"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/dockertest"
)

// collector gathers the messages a drain delivers.
type collector struct {
	mu    sync.Mutex
	lines []string
}

func (c *collector) add(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, s)
}

func (c *collector) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// drained returns the N of every "drained N" line received, in order.
func (c *collector) drained() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, l := range c.lines {
		if i := strings.Index(l, "drained "); i >= 0 {
			if n, err := strconv.Atoi(strings.TrimSpace(l[i+len("drained "):])); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// syslogListener accepts RFC 6587 octet-counted RFC 5424 messages.
func syslogListener(t *testing.T) (string, *collector) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c := &collector{}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				for {
					lenField, err := r.ReadString(' ')
					if err != nil {
						return
					}
					n, err := strconv.Atoi(strings.TrimSpace(lenField))
					if err != nil {
						return
					}
					msg := make([]byte, n)
					if _, err := io.ReadFull(r, msg); err != nil {
						return
					}
					c.add(string(msg))
				}
			}()
		}
	}()
	return ln.Addr().String(), c
}

// TestDrains: a syslog listener and an HTTPS listener in the test both get
// every line a process writes, in order. A collector that fails with a
// secret in its answer never has it shown: only its status. The listeners
// are on loopback, which paasd drains to only with PAAS_DRAIN_ALLOW_PRIVATE.
func TestDrains(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)

	https := &collector{}
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		for _, l := range strings.Split(strings.TrimSpace(string(body)), "\n") {
			https.add(l)
		}
	}))
	t.Cleanup(ts.Close)
	// paasd trusts the test server's self-signed certificate, and only it.
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	syslogAddr, syslog := syslogListener(t)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "admin console: password BODY-SECRET", http.StatusInternalServerError)
	}))
	t.Cleanup(failing.Close)

	d := startDaemon(t, daemonOptions{env: []string{"SSL_CERT_FILE=" + certFile, "PAAS_DRAIN_ALLOW_PRIVATE=1"}})
	cleanupDocker(t, cli, d.daemonID())
	app := d.createApp(cli)
	d.mustPaasctl("", "drains:add", "syslog+tcp://"+syslogAddr, "-a", app)
	d.mustPaasctl("", "drains:add", ts.URL+"/logs", "-a", app)
	d.mustPaasctl("", "drains:add", failing.URL+"/in?token=QUERY-SECRET", "-a", app)

	repo := newAppRepo(t, d, base)
	repo.write("index.html", "x\n")
	repo.write("Procfile", "web: for i in $(seq 1 200); do echo \"drained $i\"; done; exec httpd -f -p $PORT -h /www\n")
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	for name, c := range map[string]*collector{"syslog": syslog, "https": https} {
		waitFor(t, 20*time.Second, name+" to receive 200 lines", func() bool { return len(c.drained()) >= 200 })
		for i, n := range c.drained() {
			if n != i+1 {
				t.Fatalf("%s received line %d as number %d: lost, repeated or reordered", name, i+1, n)
			}
		}
	}
	// RFC 5424: HOSTNAME is the app, APP-NAME the source, PROCID the process.
	if all := strings.Join(syslog.all(), "\n"); !strings.Contains(all, " "+app+" app web.1 - - drained 1") {
		t.Errorf("no syslog message names app, source and process:\n%s", all)
	}
	var out string
	waitFor(t, 20*time.Second, "the failing drain's error", func() bool {
		out = d.mustPaasctl("", "drains", "-a", app)
		return strings.Contains(out, "500 Internal Server Error")
	})
	if !strings.Contains(out, "syslog+tcp://") || !strings.Contains(out, "https://") {
		t.Fatalf("drains:\n%s", out)
	}
	logs := d.mustPaasctl("", "logs", "-n", "1000", "-a", app)
	if !strings.Contains(logs, "cannot deliver") {
		t.Errorf("the failing drain is not reported in the stream:\n%s", logs)
	}
	for what, text := range map[string]string{"drains": out, "logs": logs, "paasd's log": d.logs.String()} {
		if strings.Contains(text, "SECRET") {
			t.Errorf("%s shows a secret:\n%s", what, text)
		}
	}
}
