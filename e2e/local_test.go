package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A local paasctl finds the daemon's token in its data directory and sends it
// only through paasd's socket there.
func TestLocalPaasctlUsesTheDaemonsSocket(t *testing.T) {
	d := startDaemon(t, daemonOptions{})
	var env []string
	for _, kv := range d.env() {
		if !strings.HasPrefix(kv, "PAAS_API_TOKEN=") && !strings.HasPrefix(kv, "PAAS_URL=") {
			env = append(env, kv)
		}
	}
	env = append(env, "PAAS_DATA_DIR="+d.dataDir)
	// As paasd leaves it when it generates the token (this one was given it).
	if err := os.WriteFile(filepath.Join(d.dataDir, "api-token"), []byte(d.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, "paasctl"), "apps:create", "local-"+randomHex(t)[:8])
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("a local paasctl without a token: %v\n%s", err, out)
	}
	d.stop()
	cmd = exec.Command(filepath.Join(binDir, "paasctl"), "apps")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "paasd.sock is missing: is paasd running?") {
		t.Errorf("with paasd stopped: %v\n%s", err, out)
	}
}
