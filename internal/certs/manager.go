// Package certs gets, keeps and renews the router's certificates from an
// ACME certificate authority (Let's Encrypt, or any RFC 8555 server) for
// the hosts of the apps that have automatic certificates on: each app's own
// host and its custom domains, and no other name. Orders come from one
// loop, never from a TLS handshake, so a client's SNI cannot make paasd ask
// the CA for anything. Challenges are answered by the router's listeners:
// HTTP-01 on its HTTP listener (HTTPHandler), TLS-ALPN-01 on its TLS
// listener (GetCertificate).
package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// Statuses of a host's certificate, in Heroku's ACM words.
const (
	StatusPending = "pending" // wanted, not issued yet
	StatusIssued  = "issued"
	StatusFailing = "failing" // the last order failed; see Status.Reason
)

// Defaults of Options.
const (
	DefaultRenewBefore = 30 * 24 * time.Hour
	DefaultRetryMin    = time.Minute
	DefaultRetryMax    = 24 * time.Hour
	// rateLimitedRetry is the least wait after the CA said a rate limit
	// was hit: Let's Encrypt's limits are counted per hour and more.
	rateLimitedRetry = time.Hour
	orderTimeout     = 5 * time.Minute
)

// Options configure a Manager.
type Options struct {
	// Dir keeps the account, the certificates and their keys (0600).
	Dir string
	// Events, if set, receives the events of app's certificates for its
	// log stream: ordered, issued, renewed, failed.
	Events func(app, message string)
	Logger *slog.Logger
	// RenewBefore is how long before its expiry a certificate is renewed;
	// a short-lived certificate is renewed once two thirds of its life
	// have passed, if that comes first.
	RenewBefore time.Duration
	// RetryMin and RetryMax bound the back-off after a failed order:
	// RetryMin, doubling with each failure in a row, up to RetryMax.
	RetryMin, RetryMax time.Duration
	Now                func() time.Time
}

// Issuer orders a certificate for one host from the CA (the ACME client).
type Issuer interface {
	Obtain(ctx context.Context, host string) (certPEM, keyPEM []byte, err error)
}

// Status is what a host's certificate is, for certs:auto.
type Status struct {
	Host     string
	App      string
	Status   string    // StatusPending, StatusIssued or StatusFailing
	Reason   string    // why it is failing: the CA's last error
	NotAfter time.Time // the current certificate's expiry; zero without one
	// NextAttempt is when a failing order is tried again.
	NextAttempt time.Time
}

// Manager keeps the certificates of the hosts apps want.
type Manager struct {
	opts   Options
	issuer Issuer
	store  *store
	log    *slog.Logger

	mu     sync.Mutex
	hosts  map[string]*host   // wanted hosts
	certs  map[string]*stored // every certificate on disk, by host
	apps   map[string][]string
	forced map[string]bool      // hosts whose renewal was asked for (refresh)
	user   map[string]*UserCert // users' own certificates, by name
	challenges
	wake chan struct{}
}

// host is a wanted host's state.
type host struct {
	app      string
	failures int
	reason   string
	next     time.Time // no order before
}

// stored is a certificate the manager has.
type stored struct {
	cert *tls.Certificate
	leaf *x509.Certificate
}

// New loads what opts.Dir holds and returns a manager; it orders once it
// has an issuer (UseACME) and Run runs.
func New(opts Options) (*Manager, error) {
	if opts.RenewBefore <= 0 {
		opts.RenewBefore = DefaultRenewBefore
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = DefaultRetryMin
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = DefaultRetryMax
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	st, err := openStore(opts.Dir)
	if err != nil {
		return nil, err
	}
	m := &Manager{opts: opts, store: st, log: opts.Logger,
		hosts: map[string]*host{}, certs: map[string]*stored{}, apps: map[string][]string{}, forced: map[string]bool{}, user: map[string]*UserCert{},
		challenges: newChallenges(), wake: make(chan struct{}, 1)}
	certs, err := st.loadCerts()
	if err != nil {
		return nil, err
	}
	for h, c := range certs {
		m.certs[h] = c
	}
	if err := m.loadUserCerts(); err != nil {
		return nil, err
	}
	return m, nil
}

// SetHosts makes hosts app's wanted hosts, replacing those it had: nil
// stops ordering and renewing for app (its certificates are kept on disk
// and still served until they expire, unless the app is gone: Forget).
func (m *Manager) SetHosts(app string, hosts []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, h := range m.apps[app] {
		if x := m.hosts[h]; x != nil && x.app == app {
			delete(m.hosts, h)
		}
	}
	delete(m.apps, app)
	var keep []string
	for _, h := range hosts {
		h = normalize(h)
		if !validHost(h) || slices.Contains(keep, h) {
			continue
		}
		keep = append(keep, h)
		m.hosts[h] = &host{app: app}
		if f, ok := m.store.failure(h); ok {
			m.hosts[h].failures, m.hosts[h].reason, m.hosts[h].next = f.Failures, f.Reason, f.Next
		}
	}
	if len(keep) > 0 {
		m.apps[app] = keep
	}
	m.poke()
}

// Forget stops managing app's hosts and removes their certificates: the
// app is destroyed, or renamed.
func (m *Manager) Forget(app string) {
	m.mu.Lock()
	hosts := m.apps[app]
	m.mu.Unlock()
	m.SetHosts(app, nil)
	m.ForgetHosts(hosts...)
}

// ForgetHosts removes the certificates of hosts that no app wants any
// more: a domain removed, an app destroyed.
func (m *Manager) ForgetHosts(hosts ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, h := range hosts {
		h = normalize(h)
		if _, wanted := m.hosts[h]; wanted || m.certs[h] == nil || !validHost(h) {
			continue
		}
		delete(m.certs, h)
		if err := m.store.remove(h); err != nil {
			m.log.Warn("remove a certificate", "host", h, "err", err)
		}
	}
}

// Destroyed removes everything of app's, whose hosts were hosts: the CA's
// certificates and the users'.
func (m *Manager) Destroyed(app string, hosts []string) {
	m.Forget(app)
	m.ForgetHosts(hosts...)
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, u := range m.user {
		if u.App == app {
			if err := m.removeUserLocked(name); err != nil {
				m.log.Warn("remove a user's certificate", "name", name, "app", app, "err", err)
			}
		}
	}
}

// Refresh orders new certificates for app's hosts now, whatever their
// expiry or back-off.
func (m *Manager) Refresh(app string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, h := range m.apps[app] {
		m.forced[h] = true
		if x := m.hosts[h]; x != nil {
			x.next = time.Time{}
		}
	}
	m.poke()
}

// Status is the state of app's hosts' certificates ("": every app's),
// sorted by host.
func (m *Manager) Status(app string) []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Status
	for h, x := range m.hosts {
		if app != "" && x.app != app {
			continue
		}
		s := Status{Host: h, App: x.app, Status: StatusPending}
		if c := m.certs[h]; c != nil {
			s.NotAfter = c.leaf.NotAfter
			if m.opts.Now().Before(c.leaf.NotAfter) {
				s.Status = StatusIssued
			}
		}
		if x.failures > 0 {
			s.Status, s.Reason, s.NextAttempt = StatusFailing, x.reason, x.next
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Host, b.Host) })
	return out
}

// Certificate is the certificate the manager serves for host, if any, one
// that has not expired: a user's that covers it, else the CA's.
func (m *Manager) Certificate(host string) *tls.Certificate {
	m.mu.Lock()
	defer m.mu.Unlock()
	host = normalize(host)
	if c := m.userCertLocked(host); c != nil {
		return c
	}
	c := m.certs[host]
	if c == nil || !m.opts.Now().Before(c.leaf.NotAfter) {
		return nil
	}
	return c.cert
}

func (m *Manager) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Run orders and renews certificates until ctx ends: one order at a time,
// the due ones first.
func (m *Manager) Run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		h, wait := m.due()
		if h != "" {
			m.order(ctx, h)
			continue
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
		case <-timer.C:
		}
	}
}

// due picks the host whose order is due, or says how long until one is.
func (m *Manager) due() (string, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.opts.Now()
	wait := time.Hour // a look now and then, whatever happens to the clock
	for _, h := range slices.Sorted(func(yield func(string) bool) {
		for h := range m.hosts {
			if !yield(h) {
				return
			}
		}
	}) {
		x := m.hosts[h]
		at := now
		if c := m.certs[h]; c != nil && !m.forced[h] {
			at = m.renewAt(c.leaf)
		}
		if x.next.After(at) {
			at = x.next
		}
		if !at.After(now) {
			return h, 0
		}
		wait = min(wait, at.Sub(now))
	}
	return "", wait
}

// renewAt is when a certificate is renewed: RenewBefore its expiry, or once
// two thirds of its life have passed if that comes first.
func (m *Manager) renewAt(leaf *x509.Certificate) time.Time {
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	return leaf.NotAfter.Add(-min(m.opts.RenewBefore, life/3))
}

// order gets host a certificate from the CA, and records how it went.
func (m *Manager) order(ctx context.Context, h string) {
	m.mu.Lock()
	x := m.hosts[h]
	if x == nil {
		m.mu.Unlock()
		return
	}
	app, renewing := x.app, m.certs[h] != nil
	delete(m.forced, h)
	m.mu.Unlock()

	m.event(app, "Ordering a certificate for "+h)
	var certPEM, keyPEM []byte
	err := errors.New("no certificate authority is configured (PAAS_ACME_EMAIL)")
	if m.issuer != nil {
		octx, cancel := context.WithTimeout(ctx, orderTimeout)
		certPEM, keyPEM, err = m.issuer.Obtain(octx, h)
		cancel()
	}
	var c *stored
	if err == nil {
		c, err = parse(certPEM, keyPEM)
	}
	if err == nil {
		err = m.store.save(h, certPEM, keyPEM)
	}

	if ctx.Err() != nil {
		return // shutting down: the order starts again at the next start
	}
	m.event(app, m.record(h, app, renewing, c, err))
}

// record keeps how host's order went, and says it for the app's stream.
func (m *Manager) record(h, app string, renewing bool, c *stored, err error) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	x := m.hosts[h]
	if err != nil {
		reason := errorReason(err)
		if x != nil {
			x.failures++
			x.reason = reason
			x.next = m.opts.Now().Add(m.backoff(x.failures, err))
			if err := m.store.setFailure(h, failure{Failures: x.failures, Reason: reason, Next: x.next}); err != nil {
				m.log.Warn("keep a certificate's back-off: a restart may retry sooner", "host", h, "err", err)
			}
		}
		m.log.Warn("certificate order failed", "host", h, "app", app, "err", err)
		return fmt.Sprintf("Certificate for %s failed: %s", h, reason)
	}
	m.certs[h] = c
	if x != nil {
		x.failures, x.reason, x.next = 0, "", time.Time{}
	}
	if err := m.store.clearFailure(h); err != nil {
		m.log.Warn("clear a certificate's back-off", "host", h, "err", err)
	}
	verb := "issued"
	if renewing {
		verb = "renewed"
	}
	m.log.Info("certificate "+verb, "host", h, "app", app, "not_after", c.leaf.NotAfter)
	return fmt.Sprintf("Certificate for %s %s, valid until %s", h, verb, c.leaf.NotAfter.UTC().Format(time.RFC3339))
}

// backoff is the wait after the failures-th failed order in a row: longer
// when the CA said a rate limit was hit.
func (m *Manager) backoff(failures int, err error) time.Duration {
	d := m.opts.RetryMin
	for i := 1; i < failures && d < m.opts.RetryMax; i++ {
		d *= 2
	}
	d = min(d, m.opts.RetryMax)
	if isRateLimited(err) {
		d = max(d, rateLimitedRetry)
	}
	return d
}

func (m *Manager) event(app, msg string) {
	if m.opts.Events != nil {
		m.opts.Events(app, msg)
	}
}

// parse checks a PEM chain and key from the CA and makes them servable.
func parse(certPEM, keyPEM []byte) (*stored, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("read the issued certificate: %w", err)
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("read the issued certificate: %w", err)
		}
		cert.Leaf = leaf
	}
	return &stored{cert: &cert, leaf: leaf}, nil
}

// validHost is a DNS name, which is also a safe file name: the platform
// checks apps' names and domains, and this keeps the store safe anyway.
func validHost(h string) bool {
	return h != "" && len(h) <= 253 && !strings.HasPrefix(h, ".") && strings.Trim(h, "abcdefghijklmnopqrstuvwxyz0123456789.-") == ""
}

// normalize is a host as SNI and the wanted list compare it.
func normalize(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// errNoChallenge is the answer to a challenge the manager did not set.
var errNoChallenge = errors.New("no ACME challenge is pending for this host")
