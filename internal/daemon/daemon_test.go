package daemon

import (
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDaemonID(t *testing.T) {
	dir := t.TempDir()
	id, err := loadDaemonID(dir)
	if err != nil || !daemonIDPattern.MatchString(id) {
		t.Fatalf("first load = %q, %v", id, err)
	}
	again, err := loadDaemonID(dir)
	if err != nil || again != id {
		t.Fatalf("second load = %q, %v; want %q", again, err, id)
	}
	if err := os.WriteFile(filepath.Join(dir, "daemon-id"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDaemonID(dir); err == nil || !strings.Contains(err.Error(), "delete the file") {
		t.Fatalf("empty daemon-id: err = %v", err)
	}
}

func TestWebURL(t *testing.T) {
	plain := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	port80 := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}
	tlsAddr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 443}
	tls8443 := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8443}
	wildcard := &x509.Certificate{DNSNames: []string{"*.apps.test"}}
	other := &x509.Certificate{DNSNames: []string{"www.example.test"}}
	tests := []struct {
		name          string
		domain        string
		router, tls   net.Addr
		cert          *x509.Certificate
		app, wantsURL string
	}{
		{"no TLS", "localhost", plain, nil, nil, "hello", "http://hello.localhost:8080/"},
		{"port 80", "apps.test", port80, nil, nil, "hello", "http://hello.apps.test/"},
		{"certificate covers the app", "apps.test", plain, tlsAddr, wildcard, "hello", "https://hello.apps.test/"},
		{"TLS on another port", "apps.test", plain, tls8443, wildcard, "hello", "https://hello.apps.test:8443/"},
		{"certificate for other names", "apps.test", plain, tlsAddr, other, "hello", "http://hello.apps.test:8080/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := webURL(tt.domain, tt.router, tt.tls, hasCertificate(nil, tt.cert))(tt.app); got != tt.wantsURL {
				t.Errorf("web URL = %q, want %q", got, tt.wantsURL)
			}
		})
	}
}
