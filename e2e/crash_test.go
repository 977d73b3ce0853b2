package e2e

import (
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/dockertest"
)

// TestKillAtRandomPoints kills paasd with SIGKILL at random moments of config
// changes and pushes, and after each restart checks that the ledger is whole:
// numbered without gaps, nothing pending, one current release that serves,
// and an intact digest chain.
func TestKillAtRandomPoints(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	dataDir := t.TempDir()
	d := startDaemon(t, daemonOptions{dataDir: dataDir})
	cleanupDocker(t, cli, d.daemonID())
	app := d.createApp(cli)
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "0\n")
	repo.commit("0")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for i := range 6 {
		var cmd *exec.Cmd
		if i%2 == 0 {
			cmd = exec.Command(filepath.Join(binDir, "paasctl"), "config:set", "-a", app, "ROUND="+string(rune('a'+i)))
		} else {
			repo.write("index.html", string(rune('a'+i))+"\n")
			repo.commit("round")
			cmd = exec.Command("git", "push", "paas", "main")
			cmd.Dir = repo.dir
		}
		cmd.Env = d.env()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.IntN(1500)) * time.Millisecond
		time.Sleep(delay) // the crash point, not synchronisation
		if err := d.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-d.exited
		_ = cmd.Wait()
		t.Logf("round %d: killed %s after %s", i, cmd.Args[1], delay)

		d = startDaemon(t, daemonOptions{dataDir: dataDir})
		assertLedgerWhole(t, d, app)
	}
}

func assertLedgerWhole(t *testing.T, d *daemon, app string) {
	t.Helper()
	rels := d.releases(app)
	current := 0
	for i, r := range rels {
		if want := len(rels) - i; r.Version != want {
			t.Fatalf("releases not numbered 1..%d without gaps: %+v", len(rels), rels)
		}
		if r.Status == "pending" {
			t.Fatalf("v%d still pending after restart", r.Version)
		}
		if r.Current {
			if current != 0 || r.Status != "succeeded" {
				t.Fatalf("current release wrong: %+v", rels)
			}
			current = r.Version
		}
	}
	if current == 0 {
		t.Fatalf("no current release: %+v", rels)
	}
	if out := d.mustPaasctl("", "releases:verify", "-a", app); !strings.Contains(out, "intact") {
		t.Fatalf("releases:verify:\n%s", out)
	}
	assertEnvEventually(t, d, app, "PAAS_RELEASE=v"+strconv.Itoa(current), true)
}
