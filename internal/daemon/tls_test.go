package daemon

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestConfigRouterTLS(t *testing.T) {
	c, err := ConfigFromEnv(env(map[string]string{
		"PAAS_ROUTER_TLS_ADDR": "127.0.0.1:8443", "PAAS_ROUTER_TLS_CERT": "/etc/paas/cert.pem", "PAAS_ROUTER_TLS_KEY": "/etc/paas/key.pem",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.RouterTLSAddr != "127.0.0.1:8443" || c.RouterTLSCert != "/etc/paas/cert.pem" || c.RouterTLSKey != "/etc/paas/key.pem" {
		t.Fatalf("got %+v", c)
	}
	if tc, err := (Config{}).RouterTLS(); tc != nil || err != nil {
		t.Fatalf("RouterTLS without a listener = %v, %v; want nil, nil", tc, err)
	}
}

func TestConfigRouterTLSAllOrNone(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"address only", map[string]string{"PAAS_ROUTER_TLS_ADDR": ":8443"},
			[]string{"set PAAS_ROUTER_TLS_CERT and PAAS_ROUTER_TLS_KEY too", "or unset PAAS_ROUTER_TLS_ADDR"}},
		{"files only", map[string]string{"PAAS_ROUTER_TLS_CERT": "c.pem", "PAAS_ROUTER_TLS_KEY": "k.pem"},
			[]string{"set PAAS_ROUTER_TLS_ADDR too", "or unset PAAS_ROUTER_TLS_CERT and PAAS_ROUTER_TLS_KEY"}},
		{"no key", map[string]string{"PAAS_ROUTER_TLS_ADDR": ":8443", "PAAS_ROUTER_TLS_CERT": "c.pem"},
			[]string{"set PAAS_ROUTER_TLS_KEY too", "together"}},
		{"bad address", map[string]string{"PAAS_ROUTER_TLS_ADDR": "8443", "PAAS_ROUTER_TLS_CERT": "c.pem", "PAAS_ROUTER_TLS_KEY": "k.pem"},
			[]string{"check PAAS_ROUTER_TLS_ADDR", "want host:port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ConfigFromEnv(env(tt.env))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestRouterTLSLoadsCertificate(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir, "a", time.Now().Add(time.Hour))
	tc, err := Config{RouterTLSAddr: ":0", RouterTLSCert: cert, RouterTLSKey: key}.RouterTLS()
	if err != nil {
		t.Fatal(err)
	}
	if len(tc.Certificates) != 1 || tc.Certificates[0].Leaf == nil || tc.Certificates[0].Leaf.DNSNames[0] != "www.example.test" {
		t.Fatalf("certificates = %+v", tc.Certificates)
	}
	if !slices.Equal(tc.NextProtos, []string{"h2", "http/1.1"}) {
		t.Errorf("NextProtos = %v, want h2 and http/1.1", tc.NextProtos)
	}
}

func TestRouterTLSErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeCert(t, dir, "a", time.Now().Add(time.Hour))
	_, otherKey := writeCert(t, dir, "b", time.Now().Add(time.Hour))
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name, cert, key string
		want            []string
	}{
		{"no certificate file", missing, key, []string{"PAAS_ROUTER_TLS_CERT", missing, "no such file"}},
		{"no key file", cert, missing, []string{"PAAS_ROUTER_TLS_KEY", missing, "no such file"}},
		{"certificate not PEM", garbage, key, []string{"PAAS_ROUTER_TLS_CERT", garbage, "no PEM certificate"}},
		{"key not PEM", cert, garbage, []string{"PAAS_ROUTER_TLS_KEY", garbage}},
		{"swapped", key, cert, []string{"PAAS_ROUTER_TLS_CERT", key, "holds a private key"}},
		{"key of another certificate", cert, otherKey, []string{"PAAS_ROUTER_TLS_KEY", otherKey, "does not match"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Config{RouterTLSAddr: ":0", RouterTLSCert: tt.cert, RouterTLSKey: tt.key}.RouterTLS()
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q lacks %q", err, w)
				}
			}
		})
	}
}

// writeCert writes a self-signed certificate for www.example.test and its
// key into dir as <name>-cert.pem and <name>-key.pem.
func writeCert(t *testing.T, dir, name string, notAfter time.Time) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "www.example.test"},
		DNSNames:     []string{"www.example.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+"-cert.pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
