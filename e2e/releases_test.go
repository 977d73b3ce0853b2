package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/dockertest"
)

type releaseJSON struct {
	Version     int      `json:"version"`
	Description string   `json:"description"`
	Status      string   `json:"status"`
	Current     bool     `json:"current"`
	Image       string   `json:"image"`
	ConfigKeys  []string `json:"config_keys"`
}

func (d *daemon) releases(app string) []releaseJSON {
	d.t.Helper()
	out := d.mustPaasctl("", "releases", "-a", app, "--json")
	var rels []releaseJSON
	if err := json.Unmarshal([]byte(out), &rels); err != nil {
		d.t.Fatalf("releases --json: %v\n%s", err, out)
	}
	return rels
}

// envLine returns the KEY=value line of the web process's environment.
func envOf(t *testing.T, d *daemon, app string) []string {
	t.Helper()
	code, body, err := d.get(app, "/env.txt")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /env.txt: %d %v", code, err)
	}
	return strings.Split(body, "\n")
}

func assertEnvEventually(t *testing.T, d *daemon, app, line string, present bool) {
	t.Helper()
	ok := eventually(10*time.Second, func() bool {
		code, body, err := d.get(app, "/env.txt")
		return err == nil && code == http.StatusOK && slices.Contains(strings.Split(body, "\n"), line) == present
	})
	if !ok {
		t.Fatalf("process env: %q present=%v wanted; env:\n%s", line, present, strings.Join(envOf(t, d, app), "\n"))
	}
}

// TestConfigReleasesRollback: config set before the first deploy, a config
// change, a rollback without a rebuild, and the history of all of it.
func TestConfigReleasesRollback(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	cleanupDocker(t, cli, d.daemonID())
	app := d.createApp(cli)

	out := d.mustPaasctl("", "config:set", "GREETING=hello", "-a", app)
	if !strings.Contains(out, "v1") {
		t.Fatalf("config:set before deploy printed:\n%s", out)
	}
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "x\n")
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	assertEnvEventually(t, d, app, "GREETING=hello", true)
	assertEnvEventually(t, d, app, "PAAS_RELEASE=v2", true)
	images := appImages(t, cli, app)

	out = d.mustPaasctl(repo.dir, "config:set", "GREETING=bonjour", "SECRET_TOKEN=s3cr3t-e2e-value")
	if !strings.Contains(out, "v3") {
		t.Fatalf("config:set printed:\n%s", out)
	}
	assertEnvEventually(t, d, app, "GREETING=bonjour", true)
	if got := strings.TrimSpace(d.mustPaasctl(repo.dir, "config:get", "GREETING")); got != "bonjour" {
		t.Fatalf("config:get GREETING = %q", got)
	}

	out = d.mustPaasctl(repo.dir, "rollback", "v2")
	if !strings.Contains(out, "v4") {
		t.Fatalf("rollback printed:\n%s", out)
	}
	assertEnvEventually(t, d, app, "GREETING=hello", true)
	assertEnvEventually(t, d, app, "PAAS_RELEASE=v4", true)
	if after := appImages(t, cli, app); !slices.Equal(images, after) {
		t.Fatalf("rollback changed the images: %v -> %v", images, after)
	}

	rels := d.releases(app)
	want := []struct {
		version int
		desc    string
	}{{4, "Rollback to v2"}, {3, "Set GREETING, SECRET_TOKEN config vars"}, {2, "Deploy "}, {1, "Set GREETING config var"}}
	if len(rels) != len(want) {
		t.Fatalf("releases = %+v", rels)
	}
	for i, w := range want {
		if rels[i].Version != w.version || !strings.HasPrefix(rels[i].Description, w.desc) || rels[i].Status != "succeeded" {
			t.Errorf("release %d = %+v, want v%d %q", i, rels[i], w.version, w.desc)
		}
	}
	if !rels[0].Current || rels[0].Image != rels[2].Image {
		t.Errorf("v4 should be current and reuse v2's image: %+v", rels)
	}

	if out := d.mustPaasctl(repo.dir, "releases:verify"); !strings.Contains(out, "intact") {
		t.Errorf("releases:verify:\n%s", out)
	}
	if out := d.mustPaasctl(repo.dir, "releases:diff", "v2", "v3"); !strings.Contains(out, "GREETING") || !strings.Contains(out, "SECRET_TOKEN") || strings.Contains(out, "bonjour") {
		t.Errorf("releases:diff v2 v3:\n%s", out)
	}

	out = d.mustPaasctl(repo.dir, "config:unset", "GREETING")
	if !strings.Contains(out, "v5") {
		t.Fatalf("config:unset printed:\n%s", out)
	}
	assertEnvEventually(t, d, app, "GREETING=hello", false)

	if strings.Contains(d.logs.String(), "s3cr3t-e2e-value") {
		t.Fatal("a config value reached paasd's log")
	}
	if out, err := d.paasctl(repo.dir, "config:set", "1BAD=x"); err == nil || !strings.Contains(out, "invalid config key") {
		t.Fatalf("bad key: err=%v\n%s", err, out)
	}
	if n := len(d.releases(app)); n != 5 {
		t.Fatalf("a refused change appended a release: %d releases", n)
	}
}

// TestKilledDuringConfigChange kills paasd with SIGKILL while a config change
// waits for its new process, then checks the ledger after a restart.
func TestKilledDuringConfigChange(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	dataDir := t.TempDir()
	d := startDaemon(t, daemonOptions{dataDir: dataDir})
	cleanupDocker(t, cli, d.daemonID())
	app := d.createApp(cli)
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "x\n")
	// Slow to listen when SLOW is set, so a config change is caught in flight.
	repo.write("Procfile", "web: env > /www/env.txt; [ -n \"$SLOW\" ] && sleep 30; exec httpd -f -p $PORT -h /www\n")
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}

	cmd := exec.Command(filepath.Join(binDir, "paasctl"), "config:set", "SLOW=1", "-a", app)
	cmd.Env = d.env()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the v2 process to start", func() bool {
		return len(containersOf(t, cli, app, "v2")) > 0
	})
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-d.exited
	_ = cmd.Wait()

	d2 := startDaemon(t, daemonOptions{dataDir: dataDir})
	assertEnvEventually(t, d2, app, "PAAS_RELEASE=v1", true)
	rels := d2.releases(app)
	if len(rels) != 2 || rels[0].Version != 2 || rels[0].Status != "failed" || !rels[1].Current {
		t.Fatalf("after the crash: %+v; want v2 failed, v1 current", rels)
	}
	if out := d2.mustPaasctl("", "releases:verify", "-a", app); !strings.Contains(out, "intact") {
		t.Fatalf("releases:verify after the crash:\n%s", out)
	}
	waitFor(t, 20*time.Second, "the interrupted v2 container to be removed", func() bool {
		return len(containersOf(t, cli, app, "v2")) == 0
	})
	out := d2.mustPaasctl("", "config:set", "FAST=1", "-a", app)
	if !strings.Contains(out, "v3") {
		t.Fatalf("config:set after the crash:\n%s", out)
	}
	assertEnvEventually(t, d2, app, "FAST=1", true)
}

// TestCorruptDataFileStopsStartup: paasd refuses a damaged ledger instead of
// starting empty, and leaves the file as it was.
func TestCorruptDataFileStopsStartup(t *testing.T) {
	dataDir := t.TempDir()
	garbage := []byte(strings.Repeat("not a bbolt file ", 512))
	dbPath := filepath.Join(dataDir, "paas.db")
	if err := os.WriteFile(dbPath, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, "paasd"))
	addrs := freeAddrs(t, 3)
	cmd.Env = append(os.Environ(), "PAAS_DATA_DIR="+dataDir, "PAAS_API_ADDR="+addrs[0], "PAAS_ROUTER_ADDR="+addrs[1], "PAAS_METRICS_ADDR="+addrs[2])
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), dbPath) {
		t.Fatalf("paasd on a corrupt ledger: err=%v\n%s", err, out)
	}
	if after, _ := os.ReadFile(dbPath); string(after) != string(garbage) {
		t.Fatal("paasd changed the corrupt data file")
	}
}

// TestRetentionAndRollbackToRemovedImage: with PAAS_KEEP_RELEASES=2 the first
// build's image goes once two newer releases exist, and a rollback to it
// fails clearly without appending anything.
func TestRetentionAndRollbackToRemovedImage(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{env: []string{"PAAS_KEEP_RELEASES=2"}})
	cleanupDocker(t, cli, d.daemonID())
	app := d.createApp(cli)
	repo := newAppRepo(t, d, base)
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	for i := 1; i <= 3; i++ {
		repo.write("index.html", strconv.Itoa(i)+"\n")
		repo.commit("c")
		if out, err := repo.push(); err != nil {
			t.Fatalf("push %d: %v\n%s", i, err, out)
		}
	}
	v1 := d.releases(app)[2]
	waitFor(t, 30*time.Second, "the image of v1 to be pruned", func() bool {
		return !slices.Contains(appImages(t, cli, app), v1.Image)
	})
	if n := len(appImages(t, cli, app)); n != 2 {
		t.Fatalf("%d images kept, want 2", n)
	}
	out, err := d.paasctl(repo.dir, "rollback", "v1")
	if err == nil || !strings.Contains(out, "image of v1 was removed by retention") {
		t.Fatalf("rollback to a pruned release: err=%v\n%s", err, out)
	}
	if n := len(d.releases(app)); n != 3 {
		t.Fatalf("failed rollback appended a release: %d releases", n)
	}
	if out := d.mustPaasctl(repo.dir, "rollback"); !strings.Contains(out, "v4") {
		t.Fatalf("rollback to v2 (kept):\n%s", out)
	}
	assertServes(t, d, app, "2\n")
}
