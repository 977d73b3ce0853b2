package logplex

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestDrainURLValidation(t *testing.T) {
	for _, tc := range []struct {
		raw   string
		full  string // "" when invalid
		shown string
		err   string // in the message when invalid
	}{
		{raw: "syslog+tls://logs.example.com:6514", full: "syslog+tls://logs.example.com:6514", shown: "syslog+tls://logs.example.com:6514"},
		{raw: " SYSLOG+TCP://Logs.Example.COM:514/ ", full: "syslog+tcp://logs.example.com:514", shown: "syslog+tcp://logs.example.com:514"},
		{raw: "syslog+tcp://[::1]:514", full: "syslog+tcp://[::1]:514", shown: "syslog+tcp://[::1]:514"},
		{raw: "https://collector.example.com/logs", full: "https://collector.example.com/logs", shown: "https://collector.example.com/logs"},
		{raw: "https://collector.example.com:8443", full: "https://collector.example.com:8443", shown: "https://collector.example.com:8443"},
		{raw: "https://user:s3cret@collector.example.com/in?token=abc&x", full: "https://user:s3cret@collector.example.com/in?token=abc&x",
			shown: "https://xxxxx@collector.example.com/in?token=xxxxx&xxxxx"},
		{raw: "http://127.0.0.1:8080/in", full: "http://127.0.0.1:8080/in", shown: "http://127.0.0.1:8080/in"},
		{raw: "http://localhost:8080/in", full: "http://localhost:8080/in", shown: "http://localhost:8080/in"},
		{raw: "http://[::1]:8080/in", full: "http://[::1]:8080/in", shown: "http://[::1]:8080/in"},

		{raw: "", err: "a drain URL is required: use syslog+tls://HOST:PORT, syslog+tcp://HOST:PORT or https://"},
		{raw: "logs.example.com:514", err: `unsupported scheme "logs.example.com"`},
		{raw: "logs.example.com", err: "has no scheme"},
		{raw: "syslog://logs.example.com:514", err: `unsupported scheme "syslog": use syslog+tls://HOST:PORT, syslog+tcp://HOST:PORT or https://HOST[:PORT]/PATH`},
		{raw: "udp://logs.example.com:514", err: `unsupported scheme "udp"`},
		{raw: "syslog+tls://logs.example.com", err: "has no port: syslog drains need HOST:PORT"},
		{raw: "syslog+tls://:6514", err: "has no host"},
		{raw: "syslog+tls:logs.example.com:6514", err: "has no host"},
		{raw: "syslog+tcp://logs.example.com:0", err: "port 0"},
		{raw: "syslog+tcp://logs.example.com:70000", err: "port 70000"},
		{raw: "syslog+tcp://logs.example.com:port", err: "does not parse"},
		{raw: "syslog+tcp://user:pw@logs.example.com:514", err: "has a user or password"},
		{raw: "syslog+tcp://logs.example.com:514/path", err: "has a path or query"},
		{raw: "syslog+tcp://logs.example.com:514?x=1", err: "has a path or query"},
		{raw: "https://", err: "has no host"},
		{raw: "https://collector.example.com/in#frag", err: "fragment"},
		{raw: "http://collector.example.com/in", err: "plain http to another machine"},
		{raw: "http://10.0.0.1:8080/in", err: "plain http to another machine"},
		{raw: "https://host/\x7f", err: "does not parse"},
		{raw: "https://host/" + strings.Repeat("x", maxDrainURL), err: "more than the 2048 allowed"},
	} {
		u, err := parseDrainURL(tc.raw)
		if tc.full == "" {
			if err == nil || !errors.Is(err, ErrInvalidDrain) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, want ErrInvalidDrain with %q", tc.raw, err, tc.err)
			}
			continue
		}
		if err != nil || u.full != tc.full || u.shown != tc.shown {
			t.Errorf("%q: %q shown as %q (%v), want %q shown as %q", tc.raw, u.full, u.shown, err, tc.full, tc.shown)
		}
	}
	// Refusals never repeat a password.
	for _, raw := range []string{"ftp://u:s3cret@host/", "syslog+tcp://u:s3cret@host:514", "https://u:s3cret@host:99999/", "http://u:s3cret@example.com/"} {
		if _, err := parseDrainURL(raw); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%q: %v", raw, err)
		}
	}
}

func TestDrainErrors(t *testing.T) {
	p := newLogplex(t, Options{AllowPrivateDrains: true})
	fastDrains(p)
	d, err := p.AddDrain("hello", "https://user:s3cret@127.0.0.1:1/in")
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != "https://xxxxx@127.0.0.1:1/in" {
		t.Errorf("URL shown as %q", d.URL)
	}
	_, err = p.AddDrain("hello", "HTTPS://user:s3cret@127.0.0.1:1/in")
	if !errors.Is(err, ErrDrainExists) || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), d.ID) {
		t.Errorf("the same drain again: %v", err)
	}
	if _, err := p.AddDrain("other", "https://user:s3cret@127.0.0.1:1/in"); err != nil {
		t.Errorf("another app's drain to the same place: %v", err)
	}
	if _, err := p.AddDrain("hello", "ftp://x"); !errors.Is(err, ErrInvalidDrain) {
		t.Errorf("invalid URL: %v", err)
	}
	for _, idOrURL := range []string{"d.00000000", "https://127.0.0.1:1/in", "https://user:other@127.0.0.1:1/in", "not a drain"} {
		if err := p.RemoveDrain("hello", idOrURL); !errors.Is(err, ErrDrainNotFound) || strings.Contains(err.Error(), "other@") {
			t.Errorf("RemoveDrain(%q): %v", idOrURL, err)
		}
	}
	if err := p.RemoveDrain("nobody", d.ID); !errors.Is(err, ErrDrainNotFound) {
		t.Errorf("another app's drain: %v", err)
	}
	for i := 1; i < MaxDrains; i++ {
		if _, err := p.AddDrain("hello", "https://127.0.0.1:1/"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.AddDrain("hello", "https://127.0.0.1:1/one-more"); !errors.Is(err, ErrInvalidDrain) || !strings.Contains(err.Error(), "remove one first") {
		t.Errorf("drain %d: %v", MaxDrains+1, err)
	}
	ids := map[string]bool{}
	for _, d := range p.Drains("hello") {
		ids[d.ID] = true
	}
	if len(ids) != MaxDrains {
		t.Errorf("%d distinct IDs, want %d", len(ids), MaxDrains)
	}
	if got := p.Drains("nobody"); got == nil || len(got) != 0 {
		t.Errorf("Drains of an app without any: %#v", got)
	}
	_ = p.Close()
	if _, err := p.AddDrain("hello", "https://127.0.0.1:1/after"); err == nil {
		t.Error("AddDrain after Close works")
	}
}

// httpCollector records the batches POSTed to it; the first failures
// requests fail with 503.
type httpCollector struct {
	mu       sync.Mutex
	batches  []httpBatch
	failures int
	failed   []string // frame IDs of the failed requests
}

type httpBatch struct {
	header http.Header
	lines  []string
}

func (c *httpCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failures > 0 {
		c.failures--
		c.failed = append(c.failed, r.Header.Get("Logplex-Frame-Id"))
		http.Error(w, "overloaded\ntry later", http.StatusServiceUnavailable)
		return
	}
	c.batches = append(c.batches, httpBatch{header: r.Header.Clone(), lines: strings.SplitAfter(string(body), "\n")})
}

func (c *httpCollector) lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, b := range c.batches {
		for _, l := range b.lines {
			if l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

func TestHTTPSDrainPostsEveryLineInBatches(t *testing.T) {
	c := &httpCollector{}
	srv := httptest.NewTLSServer(c)
	t.Cleanup(srv.Close)
	p := newLogplex(t, Options{AllowPrivateDrains: true})
	fastDrains(p)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	p.drains.cfg.tlsConfig = &tls.Config{RootCAs: pool}
	p.drains.cfg.batchLines = 100
	raw := strings.Replace(srv.URL, "https://", "https://ada:s3cret@", 1) + "/logs?token=t0k3n"
	d, err := p.AddDrain("hello", raw)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(d.URL, "s3cret") || strings.Contains(d.URL, "t0k3n") {
		t.Errorf("the drain shows its credentials: %s", d.URL)
	}
	const n = 2000
	for i := range n {
		p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "line " + strconv.Itoa(i)})
	}
	waitFor(t, "every line at the collector", func() bool { return len(c.lines()) >= n+1 })

	stream := backlog(p, "hello")
	got := c.lines()
	if len(got) != n+1 {
		t.Fatalf("%d lines, want %d", len(got), n+1)
	}
	for i, l := range got {
		if want := stream[i].String() + "\n"; l != want {
			t.Fatalf("line %d is %q, want %q", i, l, want)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.batches) < n/100 || len(c.batches) > n/2 {
		t.Errorf("%d lines came in %d batches", n+1, len(c.batches))
	}
	frames := map[string]bool{}
	for i, b := range c.batches {
		h := b.header
		count := strconv.Itoa(len(b.lines) - 1) // the body ends in a newline
		if len(b.lines)-1 > 100 || h.Get("Logplex-Msg-Count") != count || h.Get("Content-Type") != "text/plain; charset=utf-8" ||
			h.Get("Logplex-Drain-Token") != d.ID || frames[h.Get("Logplex-Frame-Id")] {
			t.Errorf("batch %d: %d lines, headers %v", i, len(b.lines)-1, h)
		}
		frames[h.Get("Logplex-Frame-Id")] = true
		req := http.Request{Header: h}
		if user, pass, ok := req.BasicAuth(); !ok || user != "ada" || pass != "s3cret" {
			t.Errorf("batch %d: basic auth %q %q %v", i, user, pass, ok)
		}
	}
}

func TestHTTPDrainSendsAFailedBatchAgain(t *testing.T) {
	c := &httpCollector{failures: 3}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	p := newLogplex(t, Options{AllowPrivateDrains: true})
	fastDrains(p)
	p.drains.cfg.linger = 0
	d, err := p.AddDrain("hello", srv.URL+"/in")
	if err != nil {
		t.Fatal(err)
	}
	// The batch sent again takes along the line that says it failed.
	waitFor(t, "the first batch", func() bool { return len(c.lines()) >= 2 })
	got := c.lines()
	if !strings.HasSuffix(got[0], " paas[logplex]: drain "+d.ID+" added: "+d.URL+"\n") ||
		!strings.HasSuffix(got[1], " paas[logplex]: drain "+d.ID+" ("+d.URL+") cannot deliver, retrying: POST "+d.URL+": the collector answered 503 Service Unavailable\n") {
		t.Errorf("got %q", got)
	}
	c.mu.Lock()
	failed, first := c.failed, c.batches[0].header.Get("Logplex-Frame-Id")
	c.mu.Unlock()
	if len(failed) != 3 || failed[0] == failed[1] || failed[1] != failed[2] || failed[2] != first {
		t.Errorf("frame IDs of the failed requests %v, then %s: want the same batch after it grew", failed, first)
	}
	info := drainInfo(t, p, "hello", d.ID)
	if !strings.Contains(info.LastError, "POST "+d.URL+": the collector answered 503 Service Unavailable") {
		t.Errorf("last error %q", info.LastError)
	}
	waitFor(t, "the drain to deliver again", func() bool {
		l := c.lines()
		return len(l) >= 3 && strings.Contains(l[len(l)-1], "delivers again")
	})
	if !drainInfo(t, p, "hello", d.ID).Connected {
		t.Error("not connected after a delivery")
	}
}

func TestDrainsPersist(t *testing.T) {
	dir := t.TempDir()
	srv := startSyslogServer(t, listenTCP(t, "127.0.0.1:0"), false)
	p := newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	fastDrains(p)
	tcp, err := p.AddDrain("hello", "syslog+tcp://"+srv.addr())
	if err != nil {
		t.Fatal(err)
	}
	web, err := p.AddDrain("hello", "https://ada:s3cret@127.0.0.1:1/in")
	if err != nil {
		t.Fatal(err)
	}
	other, err := p.AddDrain("other", "syslog+tls://127.0.0.3:6514") // loopback: the test sends nowhere else
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the added lines", func() bool { return hasMessage(srv, "drain "+web.ID+" added: "+web.URL) })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, drainsFile)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("drains file: %v, mode %v", err, fi.Mode())
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "https://ada:s3cret@127.0.0.1:1/in") {
		t.Errorf("the file lacks the drain's credentials:\n%s", b)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("a temporary file is left: %v", err)
	}

	p = newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	ids := func(app string) []string {
		var out []string
		for _, d := range p.Drains(app) {
			out = append(out, d.ID+" "+d.URL)
		}
		return out
	}
	if got, want := ids("hello"), []string{tcp.ID + " " + tcp.URL, web.ID + " " + web.URL}; !slices.Equal(got, want) {
		t.Errorf("after a restart: %v, want %v", got, want)
	}
	if got := ids("other"); !slices.Equal(got, []string{other.ID + " " + other.URL}) {
		t.Errorf("other's after a restart: %v", got)
	}
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "after the restart"})
	waitFor(t, "the line from the drain read back", func() bool { return hasMessage(srv, "after the restart") })

	if err := p.RemoveDrain("hello", "syslog+tcp://"+srv.addr()); err != nil {
		t.Fatal(err)
	}
	if err := p.RemoveDrain("hello", web.ID); err != nil {
		t.Fatal(err)
	}
	_ = p.Close()
	p = newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	if got := ids("hello"); len(got) != 0 {
		t.Errorf("removed drains came back: %v", got)
	}
	if got := ids("other"); len(got) != 1 {
		t.Errorf("other's drains: %v", got)
	}
}

func TestCorruptDrainsFileIsSetAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, drainsFile)
	if err := os.WriteFile(path, []byte(`{"drains": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	if got := p.Drains("hello"); len(got) != 0 {
		t.Errorf("drains from a broken file: %v", got)
	}
	matches, _ := filepath.Glob(path + ".bad-*")
	if len(matches) != 1 {
		t.Errorf("the broken file was not set aside: %v", matches)
	}
	_ = p.Close()

	// Records that are not valid are skipped, the rest kept.
	content := drainsFileContent{Drains: []drainRecord{
		{App: "hello", ID: "d.1", URL: "ftp://nope"},
		{App: "hello", ID: "d.2", URL: "https://127.0.0.1:1/in"},
		{App: "", ID: "d.3", URL: "https://127.0.0.1:1/in"},
		{App: "hello", ID: "d.4\r\nX-Injected: 1", URL: "https://127.0.0.1:1/other"},
		{App: "hello", ID: "d.2", URL: "https://127.0.0.1:1/again"},
	}}
	b, _ := json.Marshal(content)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	p = newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	if got := p.Drains("hello"); len(got) != 1 || got[0].ID != "d.2" {
		t.Errorf("drains %+v", got)
	}
}

func TestForgetRemovesDrains(t *testing.T) {
	dir := t.TempDir()
	srv := startSyslogServer(t, listenTCP(t, "127.0.0.1:0"), false)
	p := newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	fastDrains(p)
	if _, err := p.AddDrain("hello", "syslog+tcp://"+srv.addr()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddDrain("other", "syslog+tcp://"+srv.addr()); err != nil {
		t.Fatal(err)
	}
	p.Publish(Line{App: "hello", Source: SourcePaas, Process: "api", Message: "app destroyed"})
	p.Forget("hello")
	if got := p.Drains("hello"); len(got) != 0 {
		t.Errorf("a forgotten app has drains: %v", got)
	}
	// The last lines still go out.
	waitFor(t, "the last line", func() bool {
		return hasMessage(srv, "app destroyed")
	})
	p.Publish(Line{App: "hello", Source: SourcePaas, Process: "api", Message: "a new app of the same name"})
	p.Publish(Line{App: "other", Source: SourcePaas, Process: "api", Message: "still drained"})
	waitFor(t, "other's line", func() bool {
		return hasMessage(srv, "still drained")
	})
	if slices.ContainsFunc(srv.messages(), func(m string) bool { return strings.Contains(m, "same name") }) {
		t.Error("a forgotten app's drain got a line")
	}
	_ = p.Close()
	p = newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	if got := p.Drains("hello"); len(got) != 0 {
		t.Errorf("a forgotten app's drains came back: %v", got)
	}
	if got := p.Drains("other"); len(got) != 1 {
		t.Errorf("Forget took another app's drains: %v", got)
	}
}

// hasMessage reports whether srv got a message ending in text.
func hasMessage(srv *syslogServer, text string) bool {
	return slices.ContainsFunc(srv.messages(), func(m string) bool { return strings.HasSuffix(m, " - - "+text) })
}
