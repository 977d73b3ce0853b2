package logplex

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var drainT0 = time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.UTC)

func TestSyslogFormat(t *testing.T) {
	for _, tc := range []struct {
		line Line
		want string
	}{
		{Line{Time: drainT0, Source: SourceApp, Process: "web.1", Message: "listening on 5000"},
			"<14>1 2026-11-26T09:00:00.123456Z hello app web.1 - - listening on 5000"},
		{Line{Time: drainT0, Source: SourceRouter, Message: `at=info method=GET path="/"`},
			`<14>1 2026-11-26T09:00:00.123456Z hello router - - - at=info method=GET path="/"`},
		// No message: no space after the structured data.
		{Line{Time: drainT0.Truncate(time.Second), Source: SourcePaas, Process: "build"},
			"<14>1 2026-11-26T09:00:00.000000Z hello paas build - -"},
		// Times are UTC; header fields are printable ASCII without spaces.
		{Line{Time: drainT0.In(time.FixedZone("CET", 3600)), Source: SourceApp, Process: "we b\x01.1", Message: "é ü\ttab"},
			"<14>1 2026-11-26T09:00:00.123456Z hello app we_b_.1 - - é ü\ttab"},
	} {
		if got := string(appendSyslog(nil, "hello", tc.line)); got != tc.want {
			t.Errorf("appendSyslog = %q, want %q", got, tc.want)
		}
	}
	long := strings.Repeat("x", 300)
	got := string(appendSyslog(nil, long, Line{Time: drainT0, Source: long, Process: long}))
	want := "<14>1 2026-11-26T09:00:00.123456Z " + long[:255] + " " + long[:48] + " " + long[:128] + " - -"
	if got != want {
		t.Errorf("long header fields are not cut to RFC 5424's bounds: %q", got)
	}
}

func TestSyslogOctetCountingFraming(t *testing.T) {
	l1 := Line{Time: drainT0, Source: SourceApp, Process: "web.1", Message: "listening on 5000"}
	l2 := Line{Time: drainT0, Source: SourceRouter, Message: `at=info method=GET path="/"`}
	l3 := Line{Time: drainT0.Truncate(time.Second), Source: SourcePaas, Process: "build"}
	b := appendSyslogFrame(nil, "hello", l1)
	b = appendSyslogFrame(b, "hello", l2)
	b = appendSyslogFrame(b, "hello", l3)
	want := "71 <14>1 2026-11-26T09:00:00.123456Z hello app web.1 - - listening on 5000" +
		`80 <14>1 2026-11-26T09:00:00.123456Z hello router - - - at=info method=GET path="/"` +
		"54 <14>1 2026-11-26T09:00:00.000000Z hello paas build - -"
	if string(b) != want {
		t.Errorf("frames\n%q\nwant\n%q", b, want)
	}

	// Lengths of every size of number, after something already there.
	for _, n := range []int{0, 1, 9, 50, 1000, MaxLineBytes} {
		l := Line{Time: drainT0, Source: SourceApp, Process: "web.1", Message: strings.Repeat("é", n/2) + strings.Repeat("x", n%2)}
		msg := appendSyslog(nil, "hello", l)
		got := appendSyslogFrame([]byte("prefix"), "hello", l)
		if want := "prefix" + strconv.Itoa(len(msg)) + " " + string(msg); string(got) != want {
			t.Errorf("message of %d bytes framed as %.40q..., want %.40q...", len(msg), got, want)
		}
	}
}

// syslogServer is a syslog collector for tests: it reads octet-counted
// frames from every connection, in order.
type syslogServer struct {
	ln net.Listener

	mu    sync.Mutex
	msgs  []string
	conns []net.Conn
	errs  []error
	// stuck: accept connections and never read them.
	stuck bool
}

func startSyslogServer(t *testing.T, ln net.Listener, stuck bool) *syslogServer {
	t.Helper()
	s := &syslogServer{ln: ln, stuck: stuck}
	t.Cleanup(s.close)
	go s.serve()
	return s
}

func listenTCP(t *testing.T, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func (s *syslogServer) addr() string { return s.ln.Addr().String() }

func (s *syslogServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		if !s.stuck {
			go s.read(c)
		}
	}
}

func (s *syslogServer) read(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		msg, err := readFrame(br)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.mu.Lock()
				s.errs = append(s.errs, err)
				s.mu.Unlock()
			}
			return
		}
		s.mu.Lock()
		s.msgs = append(s.msgs, msg)
		s.mu.Unlock()
	}
}

// readFrame reads one "LEN SP MSG" frame.
func readFrame(br *bufio.Reader) (string, error) {
	n, err := br.ReadString(' ')
	if err != nil {
		return "", err
	}
	size, err := strconv.Atoi(strings.TrimSuffix(n, " "))
	if err != nil || size <= 0 || size > 1<<20 {
		return "", fmt.Errorf("bad frame length %q", n)
	}
	msg := make([]byte, size)
	if _, err := io.ReadFull(br, msg); err != nil {
		return "", err
	}
	return string(msg), nil
}

func (s *syslogServer) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

func (s *syslogServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func (s *syslogServer) close() {
	s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}

// messageText is the MSG part of an RFC 5424 message as appendSyslog
// writes it.
func messageText(t *testing.T, msg string) string {
	t.Helper()
	parts := strings.SplitN(msg, " ", 8)
	if len(parts) < 7 || parts[0] != "<14>1" || parts[5] != "-" || parts[6] != "-" {
		t.Fatalf("not an RFC 5424 message of ours: %q", msg)
	}
	if len(parts) == 7 {
		return ""
	}
	return parts[7]
}

// fastDrains makes p's new drains retry and give up quickly.
func fastDrains(p *Logplex) {
	p.drains.cfg.backoffMin = 5 * time.Millisecond
	p.drains.cfg.backoffMax = 50 * time.Millisecond
	p.drains.cfg.linger = 20 * time.Millisecond
	p.drains.cfg.flush = 300 * time.Millisecond
	p.drains.cfg.dialTimeout = 2 * time.Second
	p.drains.cfg.writeTimeout = 5 * time.Second
}

func drainInfo(t *testing.T, p *Logplex, app, id string) DrainInfo {
	t.Helper()
	for _, d := range p.Drains(app) {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("%s has no drain %s: %+v", app, id, p.Drains(app))
	return DrainInfo{}
}

func TestSyslogTCPDrainGetsEveryLineInOrder(t *testing.T) {
	srv := startSyslogServer(t, listenTCP(t, "127.0.0.1:0"), false)
	p := newLogplex(t, Options{AllowPrivateDrains: true})
	fastDrains(p)
	d, err := p.AddDrain("hello", "syslog+tcp://"+srv.addr())
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != "syslog+tcp://"+srv.addr() || !strings.HasPrefix(d.ID, "d.") {
		t.Errorf("drain %+v", d)
	}
	const n = 2000
	processes := []string{"web.1", "web.2", "worker.1"}
	for i := range n {
		p.Publish(Line{App: "hello", Source: SourceApp, Process: processes[i%3], Message: "line " + strconv.Itoa(i)})
	}
	p.Publish(Line{App: "other", Source: SourceApp, Process: "web.1", Message: "not hello's"})
	waitFor(t, "every line at the collector", func() bool { return len(srv.messages()) >= n+1 })

	msgs := srv.messages()
	if len(msgs) != n+1 {
		t.Fatalf("the collector got %d messages, want %d", len(msgs), n+1)
	}
	if got := messageText(t, msgs[0]); got != "drain "+d.ID+" added: "+d.URL {
		t.Errorf("first message %q", got)
	}
	stream := backlog(p, "hello")[1:]
	for i, m := range msgs[1:] {
		want := string(appendSyslog(nil, "hello", stream[i]))
		if m != want || messageText(t, m) != "line "+strconv.Itoa(i) {
			t.Fatalf("message %d is %q, want %q", i, m, want)
		}
	}
	waitFor(t, "the drain's counts", func() bool {
		info := drainInfo(t, p, "hello", d.ID)
		return info.Sent == n+1 && info.Queued == 0
	})
	if info := drainInfo(t, p, "hello", d.ID); !info.Connected || info.Dropped != 0 || info.LastError != "" {
		t.Errorf("status %+v", info)
	}
	if c := srv.connections(); c != 1 {
		t.Errorf("%d connections, want one", c)
	}
	if len(srv.errs) > 0 {
		t.Errorf("collector errors: %v", srv.errs)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "paas test collector"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true,
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},

		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

func TestSyslogTLSDrain(t *testing.T) {
	cert, pool := selfSigned(t)
	ln := tls.NewListener(listenTCP(t, "127.0.0.1:0"), &tls.Config{Certificates: []tls.Certificate{cert}})
	srv := startSyslogServer(t, ln, false)
	p := newLogplex(t, Options{AllowPrivateDrains: true})
	fastDrains(p)

	// The system's roots do not know the certificate.
	untrusted, err := p.AddDrain("hello", "syslog+tls://"+srv.addr())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the certificate to be refused", func() bool {
		return strings.Contains(drainInfo(t, p, "hello", untrusted.ID).LastError, "certificate")
	})
	if info := drainInfo(t, p, "hello", untrusted.ID); info.Connected || info.LastErrorAt.IsZero() {
		t.Errorf("status of a drain whose certificate is refused: %+v", info)
	}
	if err := p.RemoveDrain("hello", untrusted.ID); err != nil {
		t.Fatal(err)
	}

	p.drains.cfg.tlsConfig = &tls.Config{RootCAs: pool}
	d, err := p.AddDrain("hello", "syslog+tls://localhost:"+strings.Split(srv.addr(), ":")[1])
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "secret " + strconv.Itoa(i)})
	}
	waitFor(t, "the lines over TLS", func() bool { return len(srv.messages()) >= 101 })
	msgs := srv.messages()
	if got := messageText(t, msgs[0]); got != "drain "+d.ID+" added: "+d.URL {
		t.Errorf("first message %q", got)
	}
	for i, m := range msgs[1:] {
		if got := messageText(t, m); got != "secret "+strconv.Itoa(i) {
			t.Fatalf("message %d: %q", i, got)
		}
	}
	waitFor(t, "connected", func() bool { return drainInfo(t, p, "hello", d.ID).Connected })
}

// A destination that is down gets the lines once it is up; lines that do not
// fit the queue meanwhile are dropped, counted exactly, and reported in the
// app's stream.
func TestSyslogDrainDownThenUp(t *testing.T) {
	ln := listenTCP(t, "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // down
	p := newLogplex(t, Options{AllowPrivateDrains: true})
	fastDrains(p)
	p.drains.cfg.queueLines = 10
	d, err := p.AddDrain("hello", "syslog+tcp://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	// The drain's own lines, added and cannot deliver, wait in its queue.
	waitFor(t, "the drain to fail", func() bool {
		info := drainInfo(t, p, "hello", d.ID)
		return info.LastError != "" && info.Queued == 2
	})
	if info := drainInfo(t, p, "hello", d.ID); info.Connected || !strings.Contains(info.LastError, "refused") {
		t.Errorf("status while down: %+v", info)
	}
	for i := range 100 {
		p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "line " + strconv.Itoa(i)})
	}
	// Publish queues or drops at once: the counts are exact now.
	info := drainInfo(t, p, "hello", d.ID)
	if info.Queued != 10 || info.Dropped != 92 || info.Sent != 0 {
		t.Fatalf("after 100 lines into a queue of 10 holding 2: %+v, want 10 queued, 92 dropped", info)
	}
	firstDropped := backlog(p, "hello")[2+8].Time

	srv := startSyslogServer(t, listenTCP(t, addr), false)
	waitFor(t, "the queued lines and the reports", func() bool { return len(srv.messages()) >= 12 })
	var got []string
	for _, m := range srv.messages() {
		got = append(got, messageText(t, m))
	}
	added := "drain " + d.ID + " added: syslog+tcp://" + addr
	if !(got[0] == added && strings.HasPrefix(got[1], "drain "+d.ID+" (syslog+tcp://"+addr+") cannot deliver, retrying: ")) &&
		!(got[1] == added && strings.HasPrefix(got[0], "drain "+d.ID+" (syslog+tcp://"+addr+") cannot deliver, retrying: ")) {
		t.Errorf("the drain's own lines: %q", got[:2])
	}
	for i := range 8 {
		if got[2+i] != "line "+strconv.Itoa(i) {
			t.Errorf("message %d is %q, want line %d", 2+i, got[2+i], i)
		}
	}
	want := []string{
		"drain " + d.ID + " (syslog+tcp://" + addr + ") delivers again",
		fmt.Sprintf("Error L10 (output buffer overflow): 92 messages dropped since %s by drain %s (syslog+tcp://%s)",
			firstDropped.Format(timeFormat), d.ID, addr),
	}
	if len(got) != 12 || got[10] != want[0] || got[11] != want[1] {
		t.Errorf("after the queued lines: %q\nwant %q", got[10:], want)
	}
	// The report is in the app's own stream too.
	reports, _ := p.Tail(t.Context(), "hello", Filter{Source: SourcePaas, Process: "logplex"}, 1, false)
	if len(reports) != 1 || reports[0].Message != want[1] {
		t.Errorf("the stream's last paas[logplex] line: %v", reports)
	}
	waitFor(t, "the counts", func() bool {
		info := drainInfo(t, p, "hello", d.ID)
		return info.Sent == 12 && info.Queued == 0
	})
	if info := drainInfo(t, p, "hello", d.ID); !info.Connected || info.Dropped != 92 || !strings.Contains(info.LastError, "refused") {
		t.Errorf("status once up: %+v", info)
	}
}

// A collector that closes the connection loses no line: the next batch goes
// to a new connection.
func TestSyslogDrainReconnectsAfterTheServerHangsUp(t *testing.T) {
	srv := startSyslogServer(t, listenTCP(t, "127.0.0.1:0"), false)
	p := newLogplex(t, Options{AllowPrivateDrains: true})
	fastDrains(p)
	d, err := p.AddDrain("hello", "syslog+tcp://"+srv.addr())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the added line", func() bool { return len(srv.messages()) == 1 })
	srv.mu.Lock()
	srv.conns[0].Close()
	srv.mu.Unlock()
	waitFor(t, "the drain to notice", func() bool { return !drainInfo(t, p, "hello", d.ID).Connected })
	p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: "after the hang-up"})
	waitFor(t, "the line", func() bool { return len(srv.messages()) == 2 })
	if got := messageText(t, srv.messages()[1]); got != "after the hang-up" {
		t.Errorf("got %q", got)
	}
}

// Publish never waits for a drain, even one whose collector takes the
// connection and never reads; Close does not wait for it long either.
func TestPublishNeverBlocksOnAStuckDrain(t *testing.T) {
	srv := startSyslogServer(t, listenTCP(t, "127.0.0.1:0"), true)
	p, err := New(Options{Logger: quietLogger(), AllowPrivateDrains: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	fastDrains(p)
	p.drains.cfg.queueLines = 1000
	p.drains.cfg.writeTimeout = 200 * time.Millisecond
	p.drains.cfg.flush = 300 * time.Millisecond
	ctx := t.Context()
	_, notes := p.Tail(ctx, "hello", Filter{Source: SourcePaas, Process: "logplex"}, 0, true)
	d, err := p.AddDrain("hello", "syslog+tcp://"+srv.addr())
	if err != nil {
		t.Fatal(err)
	}

	const n = 50000 // 50 MB: more than any socket buffers
	msg := strings.Repeat("x", 1000)
	done := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		for range n {
			p.Publish(Line{App: "hello", Source: SourceApp, Process: "web.1", Message: msg})
		}
		done <- time.Since(start)
	}()
	select {
	case d := <-done:
		t.Logf("%d lines published in %s", n, d)
	case <-time.After(60 * time.Second):
		t.Fatal("Publish is held up by a stuck drain")
	}
	waitFor(t, "the drain to connect", func() bool { return srv.connections() > 0 })
	info := drainInfo(t, p, "hello", d.ID)
	if info.Dropped == 0 || info.Queued > 1000 {
		t.Errorf("status with a stuck collector: %+v", info)
	}

	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Close took %s with a stuck drain", took)
	} else {
		t.Logf("Close took %s; before it: %+v", took, info)
	}
	noted := 0
	for range notes {
		noted++
	}
	// Every line that joined the stream is sent, still queued or dropped.
	info = drainInfo(t, p, "hello", d.ID)
	// (The notes include the line that says the drain was added.)
	if total := info.Sent + uint64(info.Queued) + info.Dropped; total != n+uint64(noted) {
		t.Errorf("sent %d + queued %d + dropped %d = %d, want %d lines and %d notes", info.Sent, info.Queued, info.Dropped, total, n, noted)
	}
}
