package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"slices"

	legolog "github.com/go-acme/lego/v5/log"

	"github.com/paas-dev/paas/internal/certs"
	"github.com/paas-dev/paas/internal/logplex"
)

// startCerts makes the certificates' manager when there is a TLS listener
// (users' own certificates) or an ACME account (automatic ones), nil
// otherwise, serving its certificates on routerTLS (nil: no TLS listener,
// HTTP-01 only) and running its orders until ctx ends.
func startCerts(ctx context.Context, cfg Config, routerTLS *tls.Config, logs *logplex.Logplex, log *slog.Logger) (*certs.Manager, error) {
	if cfg.ACMEEmail == "" && routerTLS == nil {
		return nil, nil
	}
	if routerTLS == nil && slices.Equal(cfg.ACMEChallengeTypes(), []string{certs.ChallengeTLSALPN01}) {
		return nil, errors.New("check PAAS_ACME_CHALLENGES: tls-alpn-01 is answered on the router's TLS listener: set PAAS_ROUTER_TLS_ADDR (e.g. 0.0.0.0:443), or allow http-01")
	}
	// lego logs every step at info: its warnings and errors are enough.
	legolog.SetDefault(slog.New(minLevel{Handler: log.Handler(), min: slog.LevelWarn}).With("component", "acme"))
	m, err := certs.New(certs.Options{
		Dir:    filepath.Join(cfg.DataDir, "certs"),
		Events: func(app, msg string) { logs.Platform(app, "acm", msg) },
		Logger: log.With("component", "acme"),
	})
	if err != nil {
		return nil, err
	}
	if cfg.ACMEEmail != "" {
		if err := m.UseACME(certs.ACMEOptions{Email: cfg.ACMEEmail, Directory: cfg.ACMEDirectory, CAFile: cfg.ACMECAFile, Challenges: cfg.ACMEChallengeTypes()}); err != nil {
			return nil, err
		}
	}
	if routerTLS != nil {
		static := routerTLS.Certificates
		routerTLS.Certificates = nil
		if m.ACME() {
			routerTLS.NextProtos = certs.NextProtos(routerTLS.NextProtos)
		}
		routerTLS.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			c, err := m.GetCertificate(hello)
			if c != nil || err != nil || len(static) == 0 {
				return c, err
			}
			return &static[0], nil
		}
	}
	if m.ACME() {
		go m.Run(ctx)
		log.Info("automatic certificates on", "directory", cfg.ACMEDirectory, "email", cfg.ACMEEmail)
	}
	return m, nil
}

// hasCertificate says whether the TLS listener has a certificate for a
// host: one the manager got (m may be nil), or the static one's names.
func hasCertificate(m *certs.Manager, static *x509.Certificate) func(host string) bool {
	return func(host string) bool {
		if m != nil && m.Certificate(host) != nil {
			return true
		}
		return static != nil && static.VerifyHostname(host) == nil
	}
}

// portOf is an address's port.
func portOf(addr net.Addr) string {
	_, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	return port
}

// minLevel drops records below min.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(name), min: h.min}
}
