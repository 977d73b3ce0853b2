package certs

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/certcrypto"
	"github.com/go-acme/lego/v5/certificate"
	"github.com/go-acme/lego/v5/lego"
	"github.com/go-acme/lego/v5/registration"
)

// DefaultDirectory is Let's Encrypt's production directory.
const DefaultDirectory = "https://acme-v02.api.letsencrypt.org/directory"

// ACMEOptions say which CA to order from, as whom.
type ACMEOptions struct {
	Email     string // the account's contact (PAAS_ACME_EMAIL)
	Directory string // the CA's directory URL (PAAS_ACME_DIRECTORY)
	// CAFile is a PEM file of roots trusted for the directory besides the
	// system's (PAAS_ACME_CA_FILE): a private CA, a test server.
	CAFile string
	// Challenges are the challenge types answered, ChallengeHTTP01 and
	// ChallengeTLSALPN01; none: both, HTTP-01 preferred.
	Challenges []string
}

// The challenge types paasd answers (PAAS_ACME_CHALLENGES).
const (
	ChallengeHTTP01    = "http-01"     // on the router's HTTP listener, port 80
	ChallengeTLSALPN01 = "tls-alpn-01" // on its TLS listener, port 443
)

// ACME says whether m orders from a CA (UseACME).
func (m *Manager) ACME() bool { return m.issuer != nil }

// UseACME has m order from the CA with lego, answering the challenges
// through m's listeners, its account kept in m's directory. The CA is
// contacted only at the first order.
func (m *Manager) UseACME(opts ACMEOptions) error {
	if opts.Email == "" {
		return errors.New("ACME: no account email (PAAS_ACME_EMAIL)")
	}
	if opts.Directory == "" {
		opts.Directory = DefaultDirectory
	}
	client, err := httpClient(opts.CAFile)
	if err != nil {
		return err
	}
	m.issuer = &legoIssuer{opts: opts, dir: m.store.dir, http: client, challenges: &m.challenges}
	return nil
}

// httpClient trusts the system's roots and those of caFile.
func httpClient(caFile string) (*http.Client, error) {
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	if caFile != "" {
		data, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("ACME: read PAAS_ACME_CA_FILE: %w", err)
		}
		if !roots.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("ACME: PAAS_ACME_CA_FILE %s holds no PEM certificate", caFile)
		}
	}
	return &http.Client{
		Timeout: 2 * time.Minute,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		},
	}, nil
}

type legoIssuer struct {
	opts       ACMEOptions
	dir        string
	http       *http.Client
	challenges *challenges

	mu     sync.Mutex
	client *lego.Client // made at the first order
}

// Obtain orders a certificate for host: a new key each time, the chain
// bundled after the leaf.
func (l *legoIssuer) Obtain(ctx context.Context, host string) ([]byte, []byte, error) {
	client, err := l.lego(ctx)
	if err != nil {
		return nil, nil, err
	}
	res, err := client.Certificate.Obtain(ctx, certificate.ObtainRequest{Domains: []string{host}, Bundle: true, KeyType: certcrypto.EC256})
	if err != nil {
		return nil, nil, err
	}
	return res.Certificate, res.PrivateKey, nil
}

// lego is the client, registering the account on first use.
func (l *legoIssuer) lego(ctx context.Context) (*lego.Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.client != nil {
		return l.client, nil
	}
	u, err := l.loadAccount()
	if err != nil {
		return nil, err
	}
	cfg := lego.NewConfig(u)
	cfg.CADirURL = l.opts.Directory
	cfg.HTTPClient = l.http
	cfg.UserAgent = "paasd"
	client, err := lego.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("ACME directory %s: %w", l.opts.Directory, err)
	}
	types := l.opts.Challenges
	if len(types) == 0 {
		types = []string{ChallengeHTTP01, ChallengeTLSALPN01}
	}
	for _, typ := range types {
		var err error
		switch typ {
		case ChallengeHTTP01:
			err = client.Challenge.SetHTTP01Provider(httpProvider{l.challenges})
		case ChallengeTLSALPN01:
			err = client.Challenge.SetTLSALPN01Provider(alpnProvider{l.challenges})
		default:
			err = fmt.Errorf("unknown challenge type %q", typ)
		}
		if err != nil {
			return nil, fmt.Errorf("ACME: %w", err)
		}
	}
	if u.reg == nil {
		reg, err := client.Registration.Register(ctx, registration.RegisterOptions{TermsOfServiceAgreed: true})
		if err != nil {
			return nil, fmt.Errorf("ACME: register the account %s: %w", l.opts.Email, err)
		}
		u.reg = reg
		if err := l.saveAccount(u); err != nil {
			return nil, err
		}
	}
	l.client = client
	return client, nil
}

// account is the ACME account: its key and registration.
type account struct {
	email string
	key   crypto.Signer
	reg   *acme.ExtendedAccount
}

func (a *account) GetEmail() string                       { return a.email }
func (a *account) GetRegistration() *acme.ExtendedAccount { return a.reg }
func (a *account) GetPrivateKey() crypto.Signer           { return a.key }

// accountFile is the registration, kept per directory and email: another
// CA, or another contact, is another account.
type accountFile struct {
	Directory    string                `json:"directory"`
	Email        string                `json:"email"`
	Registration *acme.ExtendedAccount `json:"registration"`
}

// loadAccount reads the account key (making one the first time) and the
// registration, if it is this CA's and email's.
func (l *legoIssuer) loadAccount() (*account, error) {
	keyPath := filepath.Join(l.dir, "account.key")
	var key crypto.Signer
	data, err := os.ReadFile(keyPath)
	switch {
	case err == nil:
		block, _ := pem.Decode(data)
		if block == nil {
			return nil, fmt.Errorf("ACME: %s holds no PEM key: move it away to make a new account", keyPath)
		}
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("ACME: read %s: %w", keyPath, err)
		}
		key = k
	case errors.Is(err, os.ErrNotExist):
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("ACME: make the account key: %w", err)
		}
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("ACME: make the account key: %w", err)
		}
		if err := writeFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})); err != nil {
			return nil, err
		}
		key = k
	default:
		return nil, fmt.Errorf("ACME: %w", err)
	}
	u := &account{email: l.opts.Email, key: key}
	data, err = os.ReadFile(filepath.Join(l.dir, "account.json"))
	if errors.Is(err, os.ErrNotExist) {
		return u, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ACME: %w", err)
	}
	var f accountFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("ACME: read account.json: %w", err)
	}
	if f.Directory == l.opts.Directory && f.Email == l.opts.Email {
		u.reg = f.Registration
	}
	return u, nil
}

func (l *legoIssuer) saveAccount(u *account) error {
	data, err := json.Marshal(accountFile{Directory: l.opts.Directory, Email: u.email, Registration: u.reg})
	if err != nil {
		return fmt.Errorf("ACME: %w", err)
	}
	return writeFile(filepath.Join(l.dir, "account.json"), data)
}

// errorReason is what an order's error says to a user: the CA's problem
// detail when there is one.
func errorReason(err error) string {
	var p *acme.ProblemDetails
	if errors.As(err, &p) && p.Detail != "" {
		return p.Detail
	}
	return err.Error()
}

// isRateLimited says whether the CA refused for a rate limit.
func isRateLimited(err error) bool {
	var p *acme.ProblemDetails
	return errors.As(err, &p) && p.Type == acme.RateLimitedErrorType
}
