package certs

import (
	"context"
	"crypto/tls"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/go-acme/lego/v5/challenge/tlsalpn01"
)

// acmeTLSProto is the ALPN protocol of TLS-ALPN-01 (RFC 8737).
const acmeTLSProto = "acme-tls/1"

// challengePrefix is HTTP-01's path (RFC 8555, 8.3).
const challengePrefix = "/.well-known/acme-challenge/"

// challenges are the answers to the CA's pending challenges.
type challenges struct {
	cmu    sync.RWMutex
	tokens map[string]string           // HTTP-01: host + "/" + token -> key authorization
	alpn   map[string]*tls.Certificate // TLS-ALPN-01: host -> its challenge certificate
}

func newChallenges() challenges {
	return challenges{tokens: map[string]string{}, alpn: map[string]*tls.Certificate{}}
}

// IsChallenge says whether req asks for an HTTP-01 answer: such requests
// are never redirected to HTTPS.
func IsChallenge(req *http.Request) bool { return strings.HasPrefix(req.URL.Path, challengePrefix) }

// HTTPHandler answers HTTP-01 challenges and hands every other request to
// next. A challenge path with no pending answer for its host is a 404,
// never the app's.
func (m *Manager) HTTPHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !IsChallenge(req) {
			next.ServeHTTP(w, req)
			return
		}
		host := req.Host
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
			host = host[:i]
		}
		m.cmu.RLock()
		keyAuth, ok := m.tokens[normalize(host)+"/"+strings.TrimPrefix(req.URL.Path, challengePrefix)]
		m.cmu.RUnlock()
		if !ok {
			http.Error(w, "no ACME challenge is pending for this host and token", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(keyAuth))
	})
}

// GetCertificate is the TLS listener's: the TLS-ALPN-01 challenge
// certificate when the CA asks for one, else the host's certificate, or
// nil (the listener's own certificate then). It never orders one.
func (m *Manager) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	host := normalize(hello.ServerName)
	if slices.Contains(hello.SupportedProtos, acmeTLSProto) {
		m.cmu.RLock()
		c := m.alpn[host]
		m.cmu.RUnlock()
		if c == nil {
			return nil, errNoChallenge
		}
		return c, nil
	}
	return m.Certificate(host), nil
}

// NextProtos are the ALPN protocols a TLS listener offers for the
// manager: its own, and TLS-ALPN-01's.
func NextProtos(own []string) []string { return append(slices.Clone(own), acmeTLSProto) }

// httpProvider puts HTTP-01 answers where HTTPHandler finds them.
type httpProvider struct{ c *challenges }

func (p httpProvider) Present(_ context.Context, domain, token, keyAuth string) error {
	p.c.cmu.Lock()
	defer p.c.cmu.Unlock()
	p.c.tokens[normalize(domain)+"/"+token] = keyAuth
	return nil
}

func (p httpProvider) CleanUp(_ context.Context, domain, token, _ string) error {
	p.c.cmu.Lock()
	defer p.c.cmu.Unlock()
	delete(p.c.tokens, normalize(domain)+"/"+token)
	return nil
}

// alpnProvider puts TLS-ALPN-01 certificates where GetCertificate finds
// them.
type alpnProvider struct{ c *challenges }

func (p alpnProvider) Present(_ context.Context, domain, _, keyAuth string) error {
	cert, err := tlsalpn01.ChallengeCert(domain, keyAuth)
	if err != nil {
		return err
	}
	p.c.cmu.Lock()
	defer p.c.cmu.Unlock()
	p.c.alpn[normalize(domain)] = cert
	return nil
}

func (p alpnProvider) CleanUp(_ context.Context, domain, _, _ string) error {
	p.c.cmu.Lock()
	defer p.c.cmu.Unlock()
	delete(p.c.alpn, normalize(domain))
	return nil
}
