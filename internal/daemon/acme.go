package daemon

import (
	"context"
	"crypto/tls"
	"log/slog"
	"path/filepath"

	legolog "github.com/go-acme/lego/v5/log"

	"github.com/paas-dev/paas/internal/certs"
	"github.com/paas-dev/paas/internal/logplex"
)

// startCerts makes the automatic certificates' manager when an ACME
// account is configured (nil otherwise), serving its certificates on
// routerTLS (nil: no TLS listener, HTTP-01 only) and running its orders
// until ctx ends.
func startCerts(ctx context.Context, cfg Config, routerTLS *tls.Config, logs *logplex.Logplex, log *slog.Logger) (*certs.Manager, error) {
	if cfg.ACMEEmail == "" {
		return nil, nil
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
	if err := m.UseACME(certs.ACMEOptions{Email: cfg.ACMEEmail, Directory: cfg.ACMEDirectory, CAFile: cfg.ACMECAFile}); err != nil {
		return nil, err
	}
	if routerTLS != nil {
		static := routerTLS.Certificates
		routerTLS.Certificates = nil
		routerTLS.NextProtos = certs.NextProtos(routerTLS.NextProtos)
		routerTLS.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			c, err := m.GetCertificate(hello)
			if c != nil || err != nil || len(static) == 0 {
				return c, err
			}
			return &static[0], nil
		}
	}
	go m.Run(ctx)
	log.Info("automatic certificates on", "directory", cfg.ACMEDirectory, "email", cfg.ACMEEmail)
	return m, nil
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
