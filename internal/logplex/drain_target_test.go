package logplex

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paas-dev/paas/internal/connguard"
)

// These tests never send to the addresses they refuse: refusals are checked
// on the validation and on the dialer's Control; traffic goes to loopback
// only.

func TestAddDrainRefusesThisMachineAndLinkLocal(t *testing.T) {
	p := newLogplex(t, Options{}) // drains to private targets not allowed
	for _, raw := range []string{
		"http://127.0.0.1:8080/in",
		"http://localhost:8080/in",
		"http://[::1]:8080/in",
		"https://127.0.0.2/in",
		"https://[::ffff:127.0.0.1]/in",
		"https://[::ffff:7f00:1]/in",
		"https://[::127.0.0.1]/in",
		"https://LOCALHOST./in",
		"https://admin.localhost/in",
		"syslog+tcp://0.0.0.0:514",
		"syslog+tcp://[::]:514",
		"syslog+tcp://0.1.2.3:514",
		"https://169.254.169.254/latest/meta-data",
		"https://[::ffff:169.254.169.254]/latest",
		"https://[64:ff9b::a9fe:a9fe]/latest",
		"https://[fe80::1]/in",
		"https://[fe80::1%25eth0]/in",
		"https://[fd00:ec2::254]/latest",
		"https://100.100.100.200/latest",
		"syslog+tcp://224.0.0.1:514",
		"syslog+tcp://[ff02::1]:514",
		"syslog+tcp://255.255.255.255:514",
	} {
		_, err := p.AddDrain("hello", raw)
		if !errors.Is(err, ErrInvalidDrain) || !strings.Contains(err.Error(), "PAAS_DRAIN_ALLOW_PRIVATE=1") {
			t.Errorf("%s: %v, want a refusal naming PAAS_DRAIN_ALLOW_PRIVATE", raw, err)
		}
	}
	// Numbers that Go does not read as IP addresses, but some resolvers
	// do (all of these are 127.0.0.1), are refused either way.
	for _, raw := range []string{"https://2130706433/in", "https://0x7f.1/in", "https://0177.0.0.1/in", "https://127.1/in", "syslog+tcp://0:514", "https://127.0.0.1./in"} {
		u, err := parseDrainURL(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		for _, allow := range []bool{false, true} {
			err := checkDrainTarget(u, allow)
			if raw == "https://127.0.0.1./in" && !allow {
				if err == nil || !strings.Contains(err.Error(), "loopback") {
					t.Errorf("%s: %v, want it refused as loopback", raw, err)
				}
				continue
			}
			if raw == "https://127.0.0.1./in" {
				continue // a loopback address written out, allowed with the option
			}
			if !errors.Is(err, ErrInvalidDrain) || !strings.Contains(err.Error(), "four decimal numbers") {
				t.Errorf("%s (allow %v): %v, want it refused as an unusual IP address", raw, allow, err)
			}
		}
	}
	if got := p.Drains("hello"); len(got) != 0 {
		t.Errorf("refused drains were added: %+v", got)
	}
	// Other machines, on the LAN (RFC 1918, unique-local) or not, may be
	// drained to; they are checked, not added, so nothing is sent there.
	for _, raw := range []string{
		"syslog+tcp://10.0.0.5:514", "syslog+tls://192.168.1.10:6514", "https://172.16.0.1/in",
		"https://[fd12:3456::1]/in", "https://logs.example.com/in", "https://203.0.113.7/in",
		"https://[2001:db8::1]/in", "https://[::ffff:203.0.113.7]/in", "https://1password.example/in",
	} {
		u, err := parseDrainURL(raw)
		if err == nil {
			err = checkDrainTarget(u, false)
		}
		if err != nil {
			t.Errorf("%s: %v, want it allowed", raw, err)
		}
	}
	// With the option, this machine is allowed.
	for _, raw := range []string{"http://127.0.0.1:8080/in", "http://localhost:8080/in", "https://169.254.169.254/x"} {
		u, err := parseDrainURL(raw)
		if err == nil {
			err = checkDrainTarget(u, true)
		}
		if err != nil {
			t.Errorf("%s with the option: %v, want it allowed", raw, err)
		}
	}
}

func TestDrainDialerRefusesResolvedAddresses(t *testing.T) {
	for _, addr := range []string{
		"127.0.0.1:514", "127.9.9.9:514", "[::1]:514", "[::ffff:127.0.0.1]:514", "0.0.0.0:514", "[::]:514",
		"169.254.169.254:80", "[::ffff:169.254.169.254]:80", "[fe80::1%eth0]:80", "[fd00:ec2::254]:80",
		"224.0.0.251:5353", "not-an-address:80",
	} {
		if err := connguard.RefusePrivate("drains", DrainAllowPrivateEnv)("tcp4", addr, nil); err == nil {
			t.Errorf("%s: allowed", addr)
		} else if !strings.Contains(err.Error(), "refused") {
			t.Errorf("%s: %v", addr, err)
		}
	}
	for _, addr := range []string{"10.0.0.1:514", "192.168.0.2:6514", "203.0.113.7:443", "[2001:db8::1]:443", "[fd12::1]:514"} {
		if err := connguard.RefusePrivate("drains", DrainAllowPrivateEnv)("tcp", addr, nil); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if d := drainDialer(drainConfig{allowPrivate: true}); d.Control != nil {
		t.Error("the option still checks addresses")
	}
}

// TestDrainsConnectOnlyWhereAllowed: drains that were kept from before (the
// drains file is not checked as drains:add is) and names that resolve to
// this machine are refused when connecting.
func TestDrainsConnectOnlyWhereAllowed(t *testing.T) {
	dir := t.TempDir()
	syslog := startSyslogServer(t, listenTCP(t, "127.0.0.1:0"), false)
	var requests atomic.Int32
	web := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	t.Cleanup(web.Close)
	_, port, _ := net.SplitHostPort(syslog.addr())
	content := drainsFileContent{Drains: []drainRecord{
		{App: "hello", ID: "d.1", URL: "syslog+tcp://" + syslog.addr()},
		{App: "hello", ID: "d.2", URL: "syslog+tcp://localhost:" + port}, // a name, resolved to loopback
		{App: "hello", ID: "d.3", URL: web.URL + "/in"},
	}}
	b, _ := json.Marshal(content)
	if err := os.WriteFile(filepath.Join(dir, drainsFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	p := newLogplex(t, Options{Dir: dir})
	fastDrains(p)
	p.Platform("hello", "web.1", "to nowhere")
	for _, id := range []string{"d.1", "d.2", "d.3"} {
		waitFor(t, id+" to fail", func() bool { return drainInfo(t, p, "hello", id).LastError != "" })
		if e := drainInfo(t, p, "hello", id).LastError; !strings.Contains(e, "loopback address") || !strings.Contains(e, "PAAS_DRAIN_ALLOW_PRIVATE=1") {
			t.Errorf("%s: last error %q", id, e)
		}
	}
	if n := syslog.connections(); n != 0 {
		t.Errorf("the syslog server got %d connections", n)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the http collector got %d requests", n)
	}
}

// lockedBuffer is a log destination the drains' goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestHTTPDrainNeverReflectsTheAnswer: what a destination answers (body and
// reason phrase) and the URL's query values never show in last_error, the
// app's stream or paasd's log.
func TestHTTPDrainNeverReflectsTheAnswer(t *testing.T) {
	ln := listenTCP(t, "127.0.0.1:0")
	var requests atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				requests.Add(1)
				body := "admin page: root password is BODY-SECRET"
				fmt.Fprintf(conn, "HTTP/1.1 500 REASON-SECRET\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
			}()
		}
	}()
	var logs lockedBuffer
	p := newLogplex(t, Options{AllowPrivateDrains: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	fastDrains(p)
	p.drains.cfg.linger = 0
	d, err := p.AddDrain("hello", "http://"+ln.Addr().String()+"/in?token=QUERY-SECRET&QUERY-SECRET-BARE")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two failed requests", func() bool { return requests.Load() >= 2 })
	info := drainInfo(t, p, "hello", d.ID)
	if !strings.Contains(info.LastError, "the collector answered 500 Internal Server Error") {
		t.Errorf("last error %q, want the status", info.LastError)
	}
	var stream []string
	for _, l := range backlog(p, "hello") {
		stream = append(stream, l.String())
	}
	for what, text := range map[string]string{
		"last_error": info.LastError, "url": info.URL, "stream": strings.Join(stream, "\n"), "log": logs.String(),
	} {
		if strings.Contains(text, "SECRET") {
			t.Errorf("%s shows a secret:\n%s", what, text)
		}
	}
	if !strings.Contains(strings.Join(stream, "\n"), "cannot deliver") || !strings.Contains(logs.String(), "cannot deliver") {
		t.Errorf("the failure is not reported:\nstream %q\nlog %s", stream, logs.String())
	}
}
