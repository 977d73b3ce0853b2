package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/dockertest"
)

// acmeDaemon starts paasd with automatic certificates from p, on routerAddr
// and tlsAddr, under the domain paas.test.
func acmeDaemon(t *testing.T, p *pebble, dataDir, routerAddr, tlsAddr, token string, env ...string) *daemon {
	t.Helper()
	return startDaemon(t, daemonOptions{dataDir: dataDir, routerAddr: routerAddr, token: token, env: append([]string{
		"PAAS_DOMAIN=paas.test", "PAAS_ROUTER_TLS_ADDR=" + tlsAddr,
		"PAAS_ACME_EMAIL=ops@example.test", "PAAS_ACME_DIRECTORY=" + p.directory, "PAAS_ACME_CA_FILE=" + p.caFile,
	}, env...)})
}

// certStatus waits until host's automatic certificate has status.
func certStatus(t *testing.T, d *daemon, app, host, status string) api.CertStatus {
	t.Helper()
	var got []api.CertStatus
	var found api.CertStatus
	if !eventually(60*time.Second, func() bool {
		if err := json.Unmarshal([]byte(d.mustPaasctl("", "certs:auto", "-a", app, "--json")), &got); err != nil {
			t.Fatal(err)
		}
		for _, s := range got {
			if s.Hostname == host {
				found = s
				return s.Status == status
			}
		}
		return false
	}) {
		t.Fatalf("%s's certificate is not %s: %+v\n%s", host, status, got, d.mustPaasctl("", "logs", "-a", app, "-s", "paas"))
	}
	return found
}

// curlHTTPS gets https://host:port/ from the router's TLS listener with
// curl, trusting only root.
func curlHTTPS(t *testing.T, tlsAddr, host, root string) string {
	t.Helper()
	port := portOf(tlsAddr)
	out, err := exec.Command("curl", "-sS", "--max-time", "10", "--cacert", root,
		"--resolve", host+":"+port+":127.0.0.1", "https://"+host+":"+port+"/").CombinedOutput()
	if err != nil {
		t.Fatalf("curl https://%s:%s/: %v\n%s", host, port, err, out)
	}
	return string(out)
}

// servedCert is the certificate the TLS listener serves for host.
func servedCert(t *testing.T, tlsAddr, host string) *x509.Certificate {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", tlsAddr, &tls.Config{ServerName: host, InsecureSkipVerify: true}) // #nosec: the serial is compared, not trusted
	if err != nil {
		t.Fatalf("TLS to %s for %s: %v", tlsAddr, host, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// Automatic certificates against a real ACME server (Pebble) on loopback:
// certs:auto:enable gets the app's host a certificate that curl trusts
// through Pebble's root; a custom domain added later gets its own; a
// challenge that cannot succeed shows failing with the CA's reason; a
// restarted paasd serves the same certificates without a new order; a name
// the app does not have orders nothing.
func TestAutomaticCertificates(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	addrs := freeAddrs(t, 6)
	routerAddr, tlsAddr := addrs[0], addrs[1]
	p := startPebble(t, pebbleOptions{httpPort: portOf(routerAddr), tlsPort: portOf(tlsAddr), validity: 90 * 24 * 3600, addrs: addrs[2:]})
	dataDir := t.TempDir()
	d := acmeDaemon(t, p, dataDir, routerAddr, tlsAddr, "")
	cleanupDocker(t, cli, d.daemonID())
	app := headersApp(t, d, base, "over acme\n")
	host := app + ".paas.test"

	if out := d.mustPaasctl("", "certs:auto", "-a", app); !strings.Contains(out, "off") {
		t.Errorf("certs:auto before enabling:\n%s", out)
	}
	d.mustPaasctl("", "certs:auto:enable", "-a", app)
	issued := certStatus(t, d, app, host, "issued")
	if issued.ExpiresAt == nil || time.Until(*issued.ExpiresAt) < 80*24*time.Hour {
		t.Errorf("issued certificate: %+v", issued)
	}
	root := p.root(t)
	if body := curlHTTPS(t, tlsAddr, host, root); body != "over acme\n" {
		t.Errorf("HTTPS body %q", body)
	}
	var info api.App
	if err := json.Unmarshal([]byte(d.mustPaasctl("", "apps:info", "-a", app, "--json")), &info); err != nil || info.WebURL != "https://"+host+":"+portOf(tlsAddr)+"/" || !info.ACM {
		t.Errorf("apps:info: web URL %q, acm %v, %v", info.WebURL, info.ACM, err)
	}

	// A custom domain added later gets its own; one whose challenge
	// cannot succeed (its name resolves to an address no router listens
	// on) is failing, with why.
	d.mustPaasctl("", "domains:add", "www.acme.test", "-a", app)
	certStatus(t, d, app, "www.acme.test", "issued")
	if body := curlHTTPS(t, tlsAddr, "www.acme.test", root); body != "over acme\n" {
		t.Errorf("HTTPS body of the custom domain %q", body)
	}
	p.resolve(t, "unreachable.acme.test", "127.0.0.2")
	d.mustPaasctl("", "domains:add", "unreachable.acme.test", "-a", app)
	failing := certStatus(t, d, app, "unreachable.acme.test", "failing")
	if failing.Reason == "" || failing.NextAttemptAt == nil {
		t.Errorf("failing certificate: %+v", failing)
	}
	if out := d.mustPaasctl("", "certs:auto", "-a", app); !strings.Contains(out, "failing") || !strings.Contains(out, "issued") {
		t.Errorf("certs:auto:\n%s", out)
	}
	logs := d.mustPaasctl("", "logs", "-a", app, "-s", "paas", "-n", "1500")
	for _, want := range []string{"paas[acm]: Ordering a certificate for " + host, "paas[acm]: Certificate for " + host + " issued", "paas[acm]: Certificate for unreachable.acme.test failed: "} {
		if !strings.Contains(logs, want) {
			t.Errorf("no %q in the app's stream:\n%s", want, logs)
		}
	}

	// HTTPS redirect and HSTS when asked: plain requests go to HTTPS (308)
	// for hosts with a certificate; ACME's challenges and a host still
	// without one stay on HTTP.
	d.mustPaasctl("", "apps:settings", "https-redirect=on", "hsts=on", "-a", app)
	plain := func(host, path string) string {
		out, err := exec.Command("curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
			"--resolve", host+":"+portOf(routerAddr)+":127.0.0.1", "http://"+host+":"+portOf(routerAddr)+path).CombinedOutput()
		if err != nil {
			t.Fatalf("curl http://%s%s: %v\n%s", host, path, err, out)
		}
		return string(out)
	}
	if got, want := plain(host, "/a?b=c"), "308 https://"+host+":"+portOf(tlsAddr)+"/a?b=c"; got != want {
		t.Errorf("plain request with https-redirect on: %q, want %q", got, want)
	}
	if got := plain(host, "/.well-known/acme-challenge/nothing"); !strings.HasPrefix(got, "404 ") {
		t.Errorf("an ACME challenge path over HTTP: %q, want a 404 on HTTP", got)
	}
	if got := plain("unreachable.acme.test", "/"); !strings.HasPrefix(got, "200 ") {
		t.Errorf("a host without a certificate: %q, want 200 on HTTP", got)
	}
	hdr, err := exec.Command("curl", "-sS", "--max-time", "10", "-D", "-", "-o", "/dev/null", "--cacert", root,
		"--resolve", host+":"+portOf(tlsAddr)+":127.0.0.1", "https://"+host+":"+portOf(tlsAddr)+"/").CombinedOutput()
	if err != nil || !strings.Contains(strings.ToLower(string(hdr)), "strict-transport-security: max-age=31536000") {
		t.Errorf("HSTS over HTTPS: %v\n%s", err, hdr)
	}

	// A name that is no app's gets no certificate, and no order.
	if _, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", tlsAddr, &tls.Config{ServerName: "evil.paas.test", InsecureSkipVerify: true}); err == nil { // #nosec: a handshake that must fail
		t.Error("a TLS handshake for a name that is no app's succeeded")
	}

	// Restarted: the same certificate, no new order.
	before := servedCert(t, tlsAddr, host)
	d.stop()
	d = acmeDaemon(t, p, dataDir, routerAddr, tlsAddr, d.token)
	if after := servedCert(t, tlsAddr, host); after.SerialNumber.Cmp(before.SerialNumber) != 0 {
		t.Errorf("the restarted paasd serves serial %s, before %s", after.SerialNumber, before.SerialNumber)
	}
	if body := curlHTTPS(t, tlsAddr, host, root); body != "over acme\n" {
		t.Errorf("HTTPS body after the restart %q", body)
	}
	certStatus(t, d, app, host, "issued")
	logs = d.mustPaasctl("", "logs", "-a", app, "-s", "paas", "-n", "1500")
	if n := strings.Count(logs, "Ordering a certificate for "+host); n != 1 {
		t.Errorf("%d orders for %s, want 1:\n%s", n, host, logs)
	}
	if got := plainStatus(t, routerAddr, host); got != "308" {
		t.Errorf("after the restart, a plain request: %s, want 308", got)
	}
	d.mustPaasctl("", "certs:auto:disable", "-a", app)
	if out := d.mustPaasctl("", "certs:auto", "-a", app); !strings.Contains(out, "off") {
		t.Errorf("certs:auto after disabling:\n%s", out)
	}
}

// plainStatus is the status of a plain HTTP request for host's /.
func plainStatus(t *testing.T, routerAddr, host string) string {
	t.Helper()
	out, err := exec.Command("curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
		"--resolve", host+":"+portOf(routerAddr)+":127.0.0.1", "http://"+host+":"+portOf(routerAddr)+"/").CombinedOutput()
	if err != nil {
		t.Fatalf("curl http://%s/: %v\n%s", host, err, out)
	}
	return string(out)
}

// A certificate with a short life is renewed in paasd before it expires;
// this paasd answers only TLS-ALPN-01, on its TLS listener.
func TestCertificateRenewal(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	addrs := freeAddrs(t, 6)
	routerAddr, tlsAddr := addrs[0], addrs[1]
	p := startPebble(t, pebbleOptions{httpPort: portOf(routerAddr), tlsPort: portOf(tlsAddr), validity: 30, addrs: addrs[2:]})
	d := acmeDaemon(t, p, t.TempDir(), routerAddr, tlsAddr, "", "PAAS_ACME_CHALLENGES=tls-alpn-01")
	cleanupDocker(t, cli, d.daemonID())
	app := headersApp(t, d, base, "renewed\n")
	host := app + ".paas.test"
	d.mustPaasctl("", "certs:auto:enable", "-a", app)
	certStatus(t, d, app, host, "issued")
	first := servedCert(t, tlsAddr, host)
	if !eventually(60*time.Second, func() bool {
		return servedCert(t, tlsAddr, host).SerialNumber.Cmp(first.SerialNumber) != 0
	}) {
		t.Fatalf("the certificate of %s was not renewed:\n%s", host, d.mustPaasctl("", "logs", "-a", app, "-s", "paas"))
	}
	if logs := d.mustPaasctl("", "logs", "-a", app, "-s", "paas"); !strings.Contains(logs, "Certificate for "+host+" renewed") {
		t.Errorf("no renewal in the app's stream:\n%s", logs)
	}
	if body := curlHTTPS(t, tlsAddr, host, p.root(t)); body != "renewed\n" {
		t.Errorf("HTTPS body %q", body)
	}
}
