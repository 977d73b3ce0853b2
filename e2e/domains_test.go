package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/dockertest"
)

// headersApp deploys the fixture app with a CGI script at /cgi-bin/headers
// that prints the request's headers as busybox httpd passes them (HTTP_*
// variables), and returns its name.
func headersApp(t *testing.T, d *daemon, base, index string) string {
	t.Helper()
	app := d.createApp(dockertest.Client(t))
	repo := newAppRepo(t, d, base)
	repo.write("Dockerfile", "FROM "+base+"\n"+
		"COPY index.html /www/index.html\n"+
		"COPY headers /www/cgi-bin/headers\n"+
		"RUN chmod 755 /www/cgi-bin/headers\n"+
		"CMD [\"/bin/sh\", \"-c\", \"env > /www/env.txt; exec httpd -f -p $PORT -h /www\"]\n")
	repo.write("headers", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\nenv | grep '^HTTP_' | sort\n")
	repo.write("index.html", index)
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	return app
}

// getHost requests url with the given Host header, as a browser sent to a
// custom domain would. client nil: plain HTTP.
func getHost(client *http.Client, url, host string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	req.Host = host
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// assertHost waits until GET url with Host host answers status (and, for
// 200, exactly body).
func assertHost(t *testing.T, client *http.Client, url, host string, status int, body string) {
	t.Helper()
	var code int
	var got string
	var err error
	ok := eventually(10*time.Second, func() bool {
		code, got, err = getHost(client, url, host)
		return err == nil && code == status && (status != http.StatusOK || got == body)
	})
	if !ok {
		t.Fatalf("GET %s with Host %s: %d %q %v; want %d %q", url, host, code, got, err, status, body)
	}
}

func TestCustomDomains(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	dataDir := t.TempDir()
	d := startDaemon(t, daemonOptions{dataDir: dataDir})
	cleanupDocker(t, cli, d.daemonID())
	app := headersApp(t, d, base, "custom domain\n")
	router := "http://" + d.routerAddr + "/"

	assertHost(t, nil, router, "www.example.test", http.StatusNotFound, "")
	out := d.mustPaasctl("", "domains:add", "www.example.test", "-a", app)
	if !strings.Contains(out, "done") {
		t.Fatalf("domains:add printed:\n%s", out)
	}
	assertHost(t, nil, router, "www.example.test", http.StatusOK, "custom domain\n")
	assertHost(t, nil, router, "WWW.Example.TEST:8080", http.StatusOK, "custom domain\n")
	assertServes(t, d, app, "custom domain\n") // the default host still works

	out = d.mustPaasctl("", "domains", "-a", app)
	if !strings.Contains(out, app+".localhost  (default)\n") || !strings.Contains(out, "www.example.test\n") {
		t.Errorf("domains printed:\n%s", out)
	}

	t.Run("a domain belongs to one app", func(t *testing.T) {
		other := d.createApp(cli)
		out, err := d.paasctl("", "domains:add", "WWW.example.test", "-a", other)
		if err == nil || !strings.Contains(out, "already used by app "+app) {
			t.Fatalf("taking %s's domain: err=%v\n%s", app, err, out)
		}
		out, err = d.paasctl("", "domains:add", "x."+app+".localhost", "-a", other)
		if err == nil || !strings.Contains(out, "platform's own domain") {
			t.Fatalf("a name under PAAS_DOMAIN: err=%v\n%s", err, out)
		}
	})

	t.Run("wildcard", func(t *testing.T) {
		d.mustPaasctl("", "domains:add", "*.example.test", "-a", app)
		assertHost(t, nil, router, "shop.example.test", http.StatusOK, "custom domain\n")
		assertHost(t, nil, router, "a.shop.example.test", http.StatusNotFound, "")
		assertHost(t, nil, router, "example.test", http.StatusNotFound, "")
	})

	// Domains survive a daemon restart. (Not a subtest: the new daemon
	// must outlive it.)
	d.stop()
	d = startDaemon(t, daemonOptions{dataDir: dataDir})
	router = "http://" + d.routerAddr + "/"
	assertHost(t, nil, router, "www.example.test", http.StatusOK, "custom domain\n")
	assertHost(t, nil, router, "shop.example.test", http.StatusOK, "custom domain\n")

	t.Run("remove", func(t *testing.T) {
		d.mustPaasctl("", "domains:remove", "*.example.test", "-a", app)
		assertHost(t, nil, router, "shop.example.test", http.StatusNotFound, "")
		d.mustPaasctl("", "domains:remove", "www.example.test", "-a", app)
		assertHost(t, nil, router, "www.example.test", http.StatusNotFound, "")
		if out, err := d.paasctl("", "domains:remove", "www.example.test", "-a", app); err == nil {
			t.Fatalf("removing it twice succeeded:\n%s", out)
		}
	})

	t.Run("destroy frees the domain", func(t *testing.T) {
		d.mustPaasctl("", "domains:add", "www.example.test", "-a", app)
		d.mustPaasctl("", "apps:destroy", app, "--confirm", app)
		assertHost(t, nil, router, "www.example.test", http.StatusNotFound, "")
		other := d.createApp(cli)
		d.mustPaasctl("", "domains:add", "www.example.test", "-a", other)
	})
}

// TestCustomDomainOverTLS serves a custom domain on the router's optional
// TLS listener, with a certificate made for it.
func TestCustomDomainOverTLS(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	certFile, keyFile, pool := selfSignedCert(t, "www.example.test")
	tlsAddr := freeAddr(t)
	d := startDaemon(t, daemonOptions{env: []string{
		"PAAS_ROUTER_TLS_ADDR=" + tlsAddr, "PAAS_ROUTER_TLS_CERT=" + certFile, "PAAS_ROUTER_TLS_KEY=" + keyFile,
	}})
	cleanupDocker(t, cli, d.daemonID())
	app := headersApp(t, d, base, "over tls\n")
	d.mustPaasctl("", "domains:add", "www.example.test", "-a", app)

	// The certificate is checked against the name: no InsecureSkipVerify.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "www.example.test"},
	}}
	router := "https://" + tlsAddr
	assertHost(t, client, router+"/", "www.example.test", http.StatusOK, "over tls\n")
	// A client that speaks HTTP/2 gets it; the app is still asked over HTTP/1.1.
	h2 := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{ForceAttemptHTTP2: true,
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "www.example.test"}}}
	h2req, _ := http.NewRequest(http.MethodGet, router+"/", nil)
	h2req.Host = "www.example.test"
	if resp, err := h2.Do(h2req); err != nil {
		t.Errorf("GET over HTTP/2: %v", err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 || string(body) != "over tls\n" {
			t.Errorf("GET over HTTP/2: %s %d %q", resp.Proto, resp.StatusCode, body)
		}
	}
	assertHost(t, client, router+"/", "unknown.example.test", http.StatusNotFound, "")

	// The Host a browser sends for https://www.example.test:PORT/.
	code, headers, err := getHost(client, router+"/cgi-bin/headers", "www.example.test:"+portOf(tlsAddr))
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /cgi-bin/headers over TLS: %d %v\n%s", code, err, headers)
	}
	for _, want := range []string{"HTTP_X_FORWARDED_PROTO=https", "HTTP_X_FORWARDED_HOST=www.example.test:" + portOf(tlsAddr), "HTTP_X_FORWARDED_PORT=" + portOf(tlsAddr)} {
		if !strings.Contains(headers, want+"\n") {
			t.Errorf("the app did not see %s; its headers:\n%s", want, headers)
		}
	}
	// The plain listener still says http.
	code, headers, err = getHost(nil, "http://"+d.routerAddr+"/cgi-bin/headers", "www.example.test")
	if err != nil || code != http.StatusOK || !strings.Contains(headers, "HTTP_X_FORWARDED_PROTO=http\n") {
		t.Errorf("over plain HTTP: %d %v\n%s", code, err, headers)
	}

	// /metrics: the router's requests for the app move by exactly as many
	// as were sent.
	before := routerRequests(t, d, app)
	for range 5 {
		if code, _, err := getHost(nil, "http://"+d.routerAddr+"/", "www.example.test"); err != nil || code != http.StatusOK {
			t.Fatalf("GET through the router: %d %v", code, err)
		}
	}
	if after := routerRequests(t, d, app); after != before+5 {
		t.Errorf("paas_router_requests_total for %s went from %v to %v, want +5", app, before, after)
	}
	assertUsageSampled(t, d, app)

	// The app's own wildcard certificate (certs:add) serves a domain the
	// listener's does not cover; removed, it no longer does.
	wildCert, wildKey, wildPool := selfSignedCert(t, "*.wild.test")
	d.mustPaasctl("", "domains:add", "a.wild.test", "-a", app)
	out := d.mustPaasctl("", "certs:add", wildCert, wildKey, "-a", app)
	if !strings.Contains(out, "*.wild.test") {
		t.Fatalf("certs:add:\n%s", out)
	}
	if list := d.mustPaasctl("", "certs", "-a", app); !strings.Contains(list, "a.wild.test") || !strings.Contains(list, "sni-") {
		t.Errorf("certs:\n%s", list)
	}
	wild := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: wildPool, ServerName: "a.wild.test"},
		DisableKeepAlives: true, // each request a new handshake
	}}
	assertHost(t, wild, router+"/", "a.wild.test", http.StatusOK, "over tls\n")
	var own []api.SNIEndpoint
	if err := json.Unmarshal([]byte(d.mustPaasctl("", "certs", "-a", app, "--json")), &own); err != nil || len(own) != 1 {
		t.Fatalf("certs --json: %v %+v", err, own)
	}
	d.mustPaasctl("", "certs:remove", own[0].Name, "-a", app)
	if _, _, err := getHost(wild, router+"/", "a.wild.test"); err == nil {
		t.Error("the removed certificate is still served")
	}
}

func TestCustomDomainTLSConfigErrorStopsStartup(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for name, env := range map[string][]string{
		"all three or none":  {"PAAS_ROUTER_TLS_ADDR=" + freeAddr(t)},
		"certificate absent": {"PAAS_ROUTER_TLS_ADDR=" + freeAddr(t), "PAAS_ROUTER_TLS_CERT=" + missing, "PAAS_ROUTER_TLS_KEY=" + missing},
	} {
		t.Run(name, func(t *testing.T) {
			cmd := execPaasd(t, env...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("paasd started:\n%s", out)
			}
			want := "PAAS_ROUTER_TLS_CERT"
			if name == "certificate absent" {
				want = missing
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("paasd output lacks %q:\n%s", want, out)
			}
		})
	}
}

// selfSignedCert writes a certificate for name and its key into a temporary
// directory, and returns their paths and a pool trusting the certificate.
func selfSignedCert(t *testing.T, name string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: name},
		DNSNames:              []string{name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// execPaasd is paasd on a fresh data dir and free ports with env added, for
// runs that must fail before serving.
func execPaasd(t *testing.T, env ...string) *exec.Cmd {
	t.Helper()
	addrs := freeAddrs(t, 3)
	cmd := exec.Command(filepath.Join(binDir, "paasd"))
	cmd.Env = append(os.Environ(),
		"PAAS_DATA_DIR="+t.TempDir(),
		"PAAS_API_ADDR="+addrs[0],
		"PAAS_ROUTER_ADDR="+addrs[1],
		"PAAS_METRICS_ADDR="+addrs[2],
		"PAAS_API_TOKEN=e2e-token-"+randomHex(t),
	)
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

func portOf(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }
