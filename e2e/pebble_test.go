package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// pebbleVersion is the ACME test server the certificate tests order from,
// built from the Go module proxy.
const pebbleVersion = "v2.10.3"

var (
	pebbleOnce sync.Once
	pebbleErr  error
)

// buildPebble builds pebble and pebble-challtestsrv into binDir, once.
func buildPebble(t *testing.T) {
	t.Helper()
	pebbleOnce.Do(func() {
		for _, cmd := range []string{"pebble", "pebble-challtestsrv"} {
			c := exec.Command("go", "install", "github.com/letsencrypt/pebble/v2/cmd/"+cmd+"@"+pebbleVersion)
			c.Env = append(os.Environ(), "GOBIN="+binDir)
			if out, err := c.CombinedOutput(); err != nil {
				pebbleErr = fmt.Errorf("build %s: %v\n%s", cmd, err, out)
				return
			}
		}
	})
	if pebbleErr != nil {
		t.Fatal(pebbleErr)
	}
}

// pebble is a running ACME test server whose DNS answers every name with
// 127.0.0.1, validating challenges against the router's listeners.
type pebble struct {
	directory string // the ACME directory URL
	caFile    string // trust for the directory (PAAS_ACME_CA_FILE)
	mgmt      string // the management address: the roots
	dnsMgmt   string // challtestsrv's management address
	client    *http.Client
}

type pebbleOptions struct {
	httpPort, tlsPort string   // the router's listeners
	validity          int      // seconds of a certificate's life
	addrs             []string // four free addresses for its listeners
}

// startPebble runs pebble and its DNS server until the test ends.
func startPebble(t *testing.T, opts pebbleOptions) *pebble {
	t.Helper()
	buildPebble(t)
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/letsencrypt/pebble/v2@"+pebbleVersion).Output()
	if err != nil {
		t.Fatalf("locate pebble's module: %v", err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatal(err)
	}
	certs := filepath.Join(mod.Dir, "test", "certs")
	dir := t.TempDir()
	listen, mgmt, dns, dnsMgmt := opts.addrs[0], opts.addrs[1], opts.addrs[2], opts.addrs[3]
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress": listen, "managementListenAddress": mgmt,
		"certificate": filepath.Join(certs, "localhost", "cert.pem"), "privateKey": filepath.Join(certs, "localhost", "key.pem"),
		"httpPort": atoi(t, opts.httpPort), "tlsPort": atoi(t, opts.tlsPort),
		"ocspResponderURL": "", "externalAccountBindingRequired": false,
		"domainBlocklist": []string{"blocked.example.test"},
		"retryAfter":      map[string]int{"authz": 1, "order": 1},
		"keyAlgorithm":    "ecdsa",
		"profiles":        map[string]any{"default": map[string]any{"description": "the test's", "validityPeriod": opts.validity}},
	}}
	data, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(dir, "pebble.json")
	if err := os.WriteFile(cfgFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	run := func(name string, env []string, args ...string) {
		cmd := exec.Command(filepath.Join(binDir, name), args...)
		cmd.Env = append(os.Environ(), env...)
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if t.Failed() {
				t.Logf("%s output:\n%s", name, logs.String())
			}
		})
	}
	run("pebble-challtestsrv", nil, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dnsserver", dns, "-management", dnsMgmt,
		"-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", "")
	run("pebble", []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0"}, "-config", cfgFile, "-dnsserver", dns)

	roots := x509.NewCertPool()
	minica, err := os.ReadFile(filepath.Join(certs, "pebble.minica.pem"))
	if err != nil || !roots.AppendCertsFromPEM(minica) {
		t.Fatalf("pebble's minica: %v", err)
	}
	p := &pebble{directory: "https://" + listen + "/dir", caFile: filepath.Join(certs, "pebble.minica.pem"), mgmt: mgmt, dnsMgmt: dnsMgmt,
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}}
	if !eventually(30*time.Second, func() bool {
		resp, err := p.client.Get(p.directory)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}) {
		t.Fatalf("pebble did not start:\n%s", logs.String())
	}
	return p
}

// root is the PEM root pebble issues under, in a file for curl --cacert.
func (p *pebble) root(t *testing.T) string {
	t.Helper()
	resp, err := p.client.Get("https://" + p.mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("pebble's root: %d %v", resp.StatusCode, err)
	}
	f := filepath.Join(t.TempDir(), "pebble-root.pem")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// resolve makes the DNS answer host with addr (a loopback address).
func (p *pebble) resolve(t *testing.T, host, addr string) {
	t.Helper()
	body := fmt.Sprintf(`{"host": %q, "addresses": [%q]}`, host, addr)
	resp, err := http.Post("http://"+p.dnsMgmt+"/add-a", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("challtestsrv add-a: %s", resp.Status)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
