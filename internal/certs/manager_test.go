package certs

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-acme/lego/v5/acme"
)

// fakeCA issues self-signed certificates of a set life, or fails.
type fakeCA struct {
	mu     sync.Mutex
	life   time.Duration
	fail   error
	orders []string
}

func (f *fakeCA) Obtain(_ context.Context, host string) ([]byte, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders = append(f.orders, host)
	if f.fail != nil {
		return nil, nil, f.fail
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: now.Add(-time.Second), NotAfter: now.Add(f.life)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}

func (f *fakeCA) ordered() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.orders)
}

type events struct {
	mu    sync.Mutex
	lines []string
}

func (e *events) add(app, msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines = append(e.lines, app+": "+msg)
}

func (e *events) all() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.lines, "\n")
}

// start runs a manager on dir with ca until the test ends.
func start(t *testing.T, dir string, ca *fakeCA, ev *events) *Manager {
	t.Helper()
	m, err := New(Options{Dir: dir, Events: ev.add, RetryMin: 50 * time.Millisecond, RetryMax: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	m.issuer = ca
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return m
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // a poll of the condition, with a deadline
	}
}

func statusOf(m *Manager, host string) Status {
	for _, s := range m.Status("") {
		if s.Host == host {
			return s
		}
	}
	return Status{}
}

// Only the hosts an app wants are ordered; a handshake for any other name
// orders nothing and gets no certificate of the manager's.
func TestOrdersOnlyWantedHosts(t *testing.T) {
	dir := t.TempDir()
	ca := &fakeCA{life: 90 * 24 * time.Hour}
	ev := &events{}
	m := start(t, dir, ca, ev)
	m.SetHosts("hello", []string{"Hello.Example.COM.", "www.hello.test", "../etc/passwd"})
	waitFor(t, "two certificates", func() bool {
		return statusOf(m, "hello.example.com").Status == StatusIssued && statusOf(m, "www.hello.test").Status == StatusIssued
	})
	for _, name := range []string{"evil.example.com", "", "../etc/passwd"} {
		c, err := m.GetCertificate(&tls.ClientHelloInfo{ServerName: name})
		if c != nil || err != nil {
			t.Errorf("handshake for %q: %v, %v", name, c, err)
		}
	}
	if got := ca.ordered(); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"hello.example.com", "www.hello.test"}) {
		t.Errorf("orders: %v", got)
	}
	c, err := m.GetCertificate(&tls.ClientHelloInfo{ServerName: "HELLO.example.com"})
	if err != nil || c == nil || c.Leaf.DNSNames[0] != "hello.example.com" {
		t.Fatalf("handshake for the app's host: %v, %v", c, err)
	}
	if e := ev.all(); !strings.Contains(e, "hello: Ordering a certificate for hello.example.com") || !strings.Contains(e, "hello: Certificate for hello.example.com issued, valid until") {
		t.Errorf("events:\n%s", e)
	}
	// Kept 0600 in a 0700 directory.
	for _, name := range []string{"", "hello.example.com.key", "hello.example.com.crt"} {
		info, err := os.Stat(filepath.Join(dir, name))
		want := os.FileMode(0o600)
		if name == "" {
			want = 0o700 | os.ModeDir
		}
		if err != nil || info.Mode() != want {
			t.Errorf("%s: %v, mode %v, want %v", name, err, info.Mode(), want)
		}
	}
}

// A restarted manager serves what it has, and orders nothing new for it.
func TestRestartReusesCertificates(t *testing.T) {
	dir := t.TempDir()
	ca := &fakeCA{life: 90 * 24 * time.Hour}
	m := start(t, dir, ca, &events{})
	m.SetHosts("hello", []string{"hello.example.com"})
	waitFor(t, "the certificate", func() bool { return statusOf(m, "hello.example.com").Status == StatusIssued })
	first := m.Certificate("hello.example.com")

	again := &fakeCA{life: 90 * 24 * time.Hour}
	m2 := start(t, dir, again, &events{})
	if c := m2.Certificate("hello.example.com"); c == nil || !c.Leaf.Equal(first.Leaf) {
		t.Fatal("the restarted manager does not serve the certificate it had")
	}
	m2.SetHosts("hello", []string{"hello.example.com"})
	if s := statusOf(m2, "hello.example.com"); s.Status != StatusIssued || !s.NotAfter.Equal(first.Leaf.NotAfter) {
		t.Errorf("status after the restart: %+v", s)
	}
	m2.Refresh("other")                // nothing of hello's
	time.Sleep(100 * time.Millisecond) // time for a wrong order to show; nothing waits on it
	if n := len(again.ordered()); n != 0 {
		t.Errorf("%d orders after the restart", n)
	}
	// Refresh orders again at once.
	m2.Refresh("hello")
	waitFor(t, "the refreshed certificate", func() bool {
		return len(again.ordered()) == 1 && statusOf(m2, "hello.example.com").Status == StatusIssued
	})
	// A host no app wants any more loses its certificate.
	m2.SetHosts("hello", nil)
	if m2.Certificate("hello.example.com") == nil {
		t.Error("turning them off stopped serving the certificate")
	}
	m2.ForgetHosts("hello.example.com")
	if m2.Certificate("hello.example.com") != nil {
		t.Error("a forgotten host's certificate is still served")
	}
	m2.SetHosts("hello", []string{"hello.example.com"})
	waitFor(t, "the certificate again", func() bool { return statusOf(m2, "hello.example.com").Status == StatusIssued })
	// Forget removes the app's certificates.
	m2.Forget("hello")
	if m2.Certificate("hello.example.com") != nil || len(m2.Status("hello")) != 0 {
		t.Error("a forgotten app's certificate is still served")
	}
	if _, err := os.Stat(filepath.Join(dir, "hello.example.com.crt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("its file: %v", err)
	}
}

// A short-lived certificate is renewed once two thirds of its life have
// passed.
func TestRenewsBeforeExpiry(t *testing.T) {
	ca := &fakeCA{life: 3 * time.Second}
	ev := &events{}
	m := start(t, t.TempDir(), ca, ev)
	m.SetHosts("hello", []string{"hello.example.com"})
	waitFor(t, "the renewal", func() bool { return strings.Contains(ev.all(), "Certificate for hello.example.com renewed") })
	if n := len(ca.ordered()); n != 2 {
		t.Errorf("%d orders, want 2", n)
	}
}

func TestRenewAt(t *testing.T) {
	m := &Manager{opts: Options{RenewBefore: DefaultRenewBefore}}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		life time.Duration
		want time.Time
	}{
		{90 * 24 * time.Hour, start.Add(60 * 24 * time.Hour)}, // Let's Encrypt's: 30 days before
		{6 * 24 * time.Hour, start.Add(4 * 24 * time.Hour)},   // short-lived: two thirds in
		{30 * time.Second, start.Add(20 * time.Second)},
	} {
		leaf := &x509.Certificate{NotBefore: start, NotAfter: start.Add(tt.life)}
		if got := m.renewAt(leaf); !got.Equal(tt.want) {
			t.Errorf("life %s: renew at %s, want %s", tt.life, got, tt.want)
		}
	}
}

// A failing order says why, backs off (longer for the CA's rate limits),
// and keeps its back-off across a restart.
func TestFailureBacksOff(t *testing.T) {
	dir := t.TempDir()
	ca := &fakeCA{fail: &acme.ProblemDetails{Type: "urn:ietf:params:acme:error:unauthorized", Detail: "Invalid response from http://hello.example.com/.well-known/acme-challenge/x: 404"}}
	ev := &events{}
	m := start(t, dir, ca, ev)
	m.SetHosts("hello", []string{"hello.example.com"})
	waitFor(t, "three failures", func() bool { return len(ca.ordered()) >= 3 })
	s := statusOf(m, "hello.example.com")
	if s.Status != StatusFailing || !strings.Contains(s.Reason, "Invalid response") || s.NextAttempt.IsZero() {
		t.Errorf("status: %+v", s)
	}
	if !strings.Contains(ev.all(), "Certificate for hello.example.com failed: Invalid response") {
		t.Errorf("events:\n%s", ev.all())
	}
	for i, want := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second} {
		if got := m.backoff(i+1, errors.New("x")); got != want {
			t.Errorf("back-off after %d failures: %s, want %s", i+1, got, want)
		}
	}
	limited := &acme.ProblemDetails{Type: acme.RateLimitedErrorType, Detail: "too many certificates"}
	if got := m.backoff(1, limited); got < time.Hour {
		t.Errorf("back-off after a rate limit: %s, want an hour or more", got)
	}

	ca.mu.Lock()
	ca.fail = limited
	ca.mu.Unlock()
	waitFor(t, "the rate limit", func() bool { return strings.Contains(statusOf(m, "hello.example.com").Reason, "too many") })
	n := len(ca.ordered())
	m2 := start(t, dir, ca, ev)
	m2.SetHosts("hello", []string{"hello.example.com"})
	if s := statusOf(m2, "hello.example.com"); s.Status != StatusFailing || time.Until(s.NextAttempt) < 50*time.Minute {
		t.Errorf("after a restart: %+v", s)
	}
	time.Sleep(200 * time.Millisecond) // time for a wrong order to show; nothing waits on it
	if got := len(ca.ordered()); got != n {
		t.Errorf("%d orders after the restart, within the CA's back-off", got-n)
	}
}

func TestChallenges(t *testing.T) {
	m, err := New(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("the app")) })
	h := m.HTTPHandler(next)
	get := func(host, path string) (int, string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	p := httpProvider{&m.challenges}
	if err := p.Present(context.Background(), "hello.example.com", "tok", "tok.thumb"); err != nil {
		t.Fatal(err)
	}
	if code, body := get("hello.example.com:80", "/.well-known/acme-challenge/tok"); code != 200 || body != "tok.thumb" {
		t.Errorf("the answer: %d %q", code, body)
	}
	if code, _ := get("other.example.com", "/.well-known/acme-challenge/tok"); code != 404 {
		t.Errorf("another host's: %d", code)
	}
	if code, body := get("hello.example.com", "/"); code != 200 || body != "the app" {
		t.Errorf("the app's request: %d %q", code, body)
	}
	_ = p.CleanUp(context.Background(), "hello.example.com", "tok", "")
	if code, _ := get("hello.example.com", "/.well-known/acme-challenge/tok"); code != 404 {
		t.Errorf("after clean-up: %d", code)
	}

	alpn := &tls.ClientHelloInfo{ServerName: "hello.example.com", SupportedProtos: []string{acmeTLSProto}}
	if _, err := m.GetCertificate(alpn); err == nil {
		t.Error("a TLS-ALPN-01 handshake without a challenge got a certificate")
	}
	a := alpnProvider{&m.challenges}
	if err := a.Present(context.Background(), "hello.example.com", "tok", "tok.thumb"); err != nil {
		t.Fatal(err)
	}
	c, err := m.GetCertificate(alpn)
	if err != nil || c == nil {
		t.Fatalf("the TLS-ALPN-01 certificate: %v", err)
	}
	leaf, _ := x509.ParseCertificate(c.Certificate[0])
	if leaf == nil || !slices.Contains(leaf.DNSNames, "hello.example.com") {
		t.Errorf("challenge certificate for %v", leaf)
	}
}

// selfSigned is a PEM certificate for names, valid for life, and its key.
func selfSigned(t *testing.T, life time.Duration, names ...string) ([]byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: now.Add(-2 * life), NotAfter: now.Add(life)}
	if life < 0 {
		tmpl.NotBefore = now.Add(2 * life)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// A user's own certificate, a wildcard among them, is served for the
// names it covers, before the CA's, and kept across a restart.
func TestUserCertificates(t *testing.T) {
	dir := t.TempDir()
	m, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	crt, key := selfSigned(t, 24*time.Hour, "*.example.com", "example.com")
	u, err := m.AddUserCert("hello", crt, key)
	if err != nil || !strings.HasPrefix(u.Name, "sni-") || !slices.Equal(u.Names, []string{"*.example.com", "example.com"}) {
		t.Fatalf("AddUserCert = %+v, %v", u, err)
	}
	if _, err := m.AddUserCert("hello", crt, key); !errors.Is(err, ErrInvalidCert) {
		t.Errorf("the same certificate twice: %v", err)
	}
	other, _ := selfSigned(t, time.Hour, "other.test")
	if _, err := m.AddUserCert("hello", other, key); !errors.Is(err, ErrInvalidCert) {
		t.Errorf("a key that is not the certificate's: %v", err)
	}
	oldCrt, oldKey := selfSigned(t, -time.Hour, "old.test")
	if _, err := m.AddUserCert("hello", oldCrt, oldKey); !errors.Is(err, ErrInvalidCert) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired certificate: %v", err)
	}
	if _, err := m.AddUserCert("hello", []byte("junk"), key); !errors.Is(err, ErrInvalidCert) {
		t.Errorf("junk: %v", err)
	}
	for host, want := range map[string]bool{"www.example.com": true, "EXAMPLE.com": true, "a.b.example.com": false, "example.org": false} {
		c, err := m.GetCertificate(&tls.ClientHelloInfo{ServerName: host})
		if err != nil || (c != nil) != want {
			t.Errorf("%s: %v %v, want served %v", host, c != nil, err, want)
		}
	}
	info, err := os.Stat(filepath.Join(dir, "user", u.Name+".key"))
	if err != nil || info.Mode() != 0o600 {
		t.Errorf("key file: %v %v", err, info)
	}
	if err := m.RenameApp("hello", "hi"); err != nil {
		t.Fatal(err)
	}
	m2, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := m2.UserCerts("hi"); len(got) != 1 || got[0].Name != u.Name || m2.Certificate("www.example.com") == nil {
		t.Errorf("after a restart: %+v", got)
	}
	if err := m2.RemoveUserCert("hello", u.Name); !errors.Is(err, ErrNoCert) {
		t.Errorf("removing another app's: %v", err)
	}
	if err := m2.RemoveUserCert("hi", u.Name); err != nil {
		t.Fatal(err)
	}
	if m2.Certificate("www.example.com") != nil || len(m2.UserCerts("")) != 0 {
		t.Error("a removed certificate is still served")
	}
	if _, err := os.Stat(filepath.Join(dir, "user", u.Name+".crt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("its file: %v", err)
	}
}
