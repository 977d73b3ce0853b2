package certs

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ErrInvalidCert is a user's certificate that cannot be served.
var ErrInvalidCert = errors.New("invalid certificate")

// ErrNoCert is a user's certificate that is not there.
var ErrNoCert = errors.New("no such certificate")

// UserCert is a certificate a user added for an app (certs:add): the only
// way to serve a wildcard, or a name the CA cannot reach.
type UserCert struct {
	Name     string // "sni-" and the start of its SHA-256 fingerprint
	App      string
	Names    []string // the names it covers
	NotAfter time.Time
	Issuer   string
	Chain    string // PEM
	Added    time.Time
	cert     *tls.Certificate
}

// userIndex is which app each user certificate belongs to (user.json).
type userIndex map[string]string

// userDir keeps the users' certificates: <name>.crt, <name>.key.
func (s *store) userDir() string { return filepath.Join(s.dir, "user") }

// AddUserCert checks a PEM chain and its key and serves them for the names
// the certificate covers, as app's. It is refused when expired, when the
// key is not the certificate's, or when app has it already.
func (m *Manager) AddUserCert(app string, chainPEM, keyPEM []byte) (UserCert, error) {
	pair, err := tls.X509KeyPair(chainPEM, keyPEM)
	if err != nil {
		return UserCert{}, fmt.Errorf("%w: %v: give the PEM certificate (the chain after it) and its PEM private key", ErrInvalidCert, err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return UserCert{}, fmt.Errorf("%w: %v", ErrInvalidCert, err)
	}
	pair.Leaf = leaf
	if !m.opts.Now().Before(leaf.NotAfter) {
		return UserCert{}, fmt.Errorf("%w: it expired on %s", ErrInvalidCert, leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if len(leaf.DNSNames) == 0 {
		return UserCert{}, fmt.Errorf("%w: it names no host (no DNS subject alternative names)", ErrInvalidCert)
	}
	sum := sha256.Sum256(leaf.Raw)
	u := UserCert{Name: "sni-" + hex.EncodeToString(sum[:4]), App: app, Names: leaf.DNSNames, NotAfter: leaf.NotAfter,
		Issuer: leaf.Issuer.CommonName, Chain: string(chainPEM), Added: m.opts.Now().UTC(), cert: &pair}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.user[u.Name]; ok {
		return UserCert{}, fmt.Errorf("%w: %s has this certificate already, as %s", ErrInvalidCert, m.user[u.Name].App, u.Name)
	}
	dir := m.store.userDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return UserCert{}, fmt.Errorf("certificates: %w", err)
	}
	if err := writeFile(filepath.Join(dir, u.Name+".key"), keyPEM); err != nil {
		return UserCert{}, err
	}
	if err := writeFile(filepath.Join(dir, u.Name+".crt"), chainPEM); err != nil {
		return UserCert{}, err
	}
	m.user[u.Name] = &u
	if err := m.saveUserIndex(); err != nil {
		return UserCert{}, err
	}
	return u, nil
}

// RemoveUserCert stops serving app's certificate name and deletes it.
func (m *Manager) RemoveUserCert(app, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.user[name]
	if u == nil || u.App != app {
		return fmt.Errorf("%w: %s has no certificate %s: paasctl certs lists them", ErrNoCert, app, name)
	}
	return m.removeUserLocked(name)
}

func (m *Manager) removeUserLocked(name string) error {
	delete(m.user, name)
	dir := m.store.userDir()
	return errors.Join(m.saveUserIndex(), removeFile(filepath.Join(dir, name+".crt")), removeFile(filepath.Join(dir, name+".key")))
}

// Covers says whether the certificate serves host.
func (u UserCert) Covers(host string) bool { return u.cert.Leaf.VerifyHostname(host) == nil }

// UserCerts are app's certificates ("": everyone's), by name.
func (m *Manager) UserCerts(app string) []UserCert {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []UserCert
	for _, u := range m.user {
		if app == "" || u.App == app {
			out = append(out, *u)
		}
	}
	slices.SortFunc(out, func(a, b UserCert) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// RenameApp moves old's certificates to new.
func (m *Manager) RenameApp(old, new string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, u := range m.user {
		if u.App == old {
			u.App = new
		}
	}
	return m.saveUserIndex()
}

// userCert is the user's certificate for host, if one covers it and has
// not expired: an exact name before a wildcard, then the one that lasts
// longest. Called with m.mu held.
func (m *Manager) userCertLocked(host string) *tls.Certificate {
	var best *UserCert
	bestExact := false
	now := m.opts.Now()
	for _, u := range m.user {
		if !now.Before(u.NotAfter) || u.cert.Leaf.VerifyHostname(host) != nil {
			continue
		}
		exact := slices.Contains(u.Names, host)
		if best == nil || exact && !bestExact || exact == bestExact && u.NotAfter.After(best.NotAfter) {
			best, bestExact = u, exact
		}
	}
	if best == nil {
		return nil
	}
	return best.cert
}

func (m *Manager) saveUserIndex() error {
	idx := userIndex{}
	for name, u := range m.user {
		idx[name] = u.App
	}
	data, err := json.Marshal(idx)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	if err := os.MkdirAll(m.store.userDir(), 0o700); err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	return writeFile(filepath.Join(m.store.userDir(), "index.json"), data)
}

// loadUserCerts reads the users' certificates; one that cannot be read is
// skipped, and said so.
func (m *Manager) loadUserCerts() error {
	data, err := os.ReadFile(filepath.Join(m.store.userDir(), "index.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	var idx userIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		return fmt.Errorf("certificates: read user/index.json: %w", err)
	}
	for name, app := range idx {
		chain, err1 := os.ReadFile(filepath.Join(m.store.userDir(), name+".crt"))
		key, err2 := os.ReadFile(filepath.Join(m.store.userDir(), name+".key"))
		c, err3 := parse(chain, key)
		if err := errors.Join(err1, err2, err3); err != nil {
			m.log.Warn("a user's certificate cannot be read: not served", "name", name, "app", app, "err", err)
			continue
		}
		added := c.leaf.NotBefore
		if fi, err := os.Stat(filepath.Join(m.store.userDir(), name+".crt")); err == nil {
			added = fi.ModTime().UTC()
		}
		m.user[name] = &UserCert{Name: name, App: app, Names: c.leaf.DNSNames, NotAfter: c.leaf.NotAfter, Issuer: c.leaf.Issuer.CommonName,
			Chain: string(chain), Added: added, cert: c.cert}
	}
	return nil
}
