package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/paas-dev/paas/internal/dockertest"
)

type processJSON struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	State   string `json:"state"`
	Release struct {
		Version int `json:"version"`
	} `json:"release"`
	Restarts int `json:"restarts"`
}

func (d *daemon) ps(app string) []processJSON {
	d.t.Helper()
	out := d.mustPaasctl("", "ps", "-a", app, "--json")
	var procs []processJSON
	if err := json.Unmarshal([]byte(out), &procs); err != nil {
		d.t.Fatalf("ps --json: %v\n%s", err, out)
	}
	return procs
}

// procfileApp deploys a fixture app with a Procfile and returns its name and repo.
func procfileApp(t *testing.T, d *daemon, base, procfile string) (string, *appRepo) {
	t.Helper()
	cli := dockertest.Client(t)
	app := d.createApp(cli)
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "v1\n")
	repo.write("Procfile", procfile)
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	return app, repo
}

const webCmd = "web: env > /www/env.txt; exec httpd -f -p $PORT -h /www\n"

func TestScaleCrashRestartAndRun(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	cleanupDocker(t, cli, d.daemonID())
	app, repo := procfileApp(t, d, base, webCmd+"worker: while true; do echo working; sleep 1; done\ncrasher: echo about to crash; exit 3\n")

	out := d.mustPaasctl(repo.dir, "scale", "web=3", "worker=1")
	if !strings.Contains(out, "web at 3") {
		t.Fatalf("scale printed:\n%s", out)
	}
	seen := map[string]bool{}
	waitFor(t, 10*time.Second, "requests to reach web.1, web.2 and web.3", func() bool {
		for _, line := range envOf(t, d, app) {
			if strings.HasPrefix(line, "PAAS_PROCESS=") {
				seen[strings.TrimPrefix(line, "PAAS_PROCESS=")] = true
			}
		}
		return seen["web.1"] && seen["web.2"] && seen["web.3"]
	})
	if procs := d.ps(app); len(procs) != 4 {
		t.Fatalf("ps after scale: %+v; want 3 web and 1 worker", procs)
	}

	t.Run("a killed process comes back", func(t *testing.T) {
		id := containerOf(t, app, "web.2")
		if err := cli.ContainerKill(context.Background(), id, "KILL"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 20*time.Second, "web.2 to come back", func() bool {
			for _, p := range d.ps(app) {
				if p.Name == "web.2" && p.State == "up" && p.Restarts == 1 {
					return true
				}
			}
			return false
		})
		if containerOf(t, app, "web.2") == id {
			t.Fatal("web.2 is still the killed container")
		}
	})

	t.Run("a crash loop backs off", func(t *testing.T) {
		d.mustPaasctl(repo.dir, "scale", "crasher=1")
		waitFor(t, 20*time.Second, "crasher.1 to back off", func() bool {
			for _, p := range d.ps(app) {
				if p.Name == "crasher.1" && p.State == "crashed" && p.Restarts >= 1 {
					return true
				}
			}
			return false
		})
		logs := d.mustPaasctl(repo.dir, "logs", "-n", "300")
		for _, want := range []string{"app[crasher.1]: about to crash", "crasher.1: Process exited with status 3", "Restarting in"} {
			if !strings.Contains(logs, want) {
				t.Errorf("logs lack %q:\n%s", want, logs)
			}
		}
		d.mustPaasctl(repo.dir, "scale", "crasher=0")
	})

	t.Run("run passes the exit code and streams", func(t *testing.T) {
		cmd := exec.Command(filepath.Join(binDir, "paasctl"), "run", "-a", app, "cat; echo to-stderr >&2; echo PROC=$PAAS_PROCESS; exit 7")
		cmd.Env = d.env()
		cmd.Stdin = strings.NewReader("from stdin\n")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 7 {
			t.Fatalf("paasctl run: err=%v stdout=%q stderr=%q; want exit status 7", err, stdout.String(), stderr.String())
		}
		if !strings.Contains(stdout.String(), "from stdin") || !strings.Contains(stdout.String(), "PROC=run.") || !strings.Contains(stderr.String(), "to-stderr") {
			t.Fatalf("paasctl run output: stdout=%q stderr=%q", stdout.String(), stderr.String())
		}
		waitFor(t, 10*time.Second, "the one-off container to be removed", func() bool {
			for _, p := range d.ps(app) {
				if strings.HasPrefix(p.Name, "run.") {
					return false
				}
			}
			return true
		})
	})

	// Heroku's rule: several arguments are a program and its own arguments.
	t.Run("run gives several arguments to the program as they are", func(t *testing.T) {
		cmd := exec.Command(filepath.Join(binDir, "paasctl"), "run", "-a", app, "--", "sh", "-c", "echo one-off; exit 3")
		cmd.Env = d.env()
		out, err := cmd.Output()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 || string(out) != "one-off\n" {
			t.Fatalf("paasctl run -- sh -c 'echo one-off; exit 3': err=%v stdout=%q; want exit status 3 and one-off", err, out)
		}
		args := []string{"a b", "it's", "$PAAS_APP", "", "*", "x=y"}
		got := d.mustPaasctl(repo.dir, append([]string{"run", "printf", `[%s]\n`}, args...)...)
		want := ""
		for _, a := range args {
			want += "[" + a + "]\n"
		}
		if got != want {
			t.Errorf("printf received\n%s\nwant\n%s", got, want)
		}
		if got := d.mustPaasctl(repo.dir, "run", "echo $PAAS_APP"); got != app+"\n" {
			t.Errorf("one argument is a command line: run 'echo $PAAS_APP' printed %q, want %q", got, app+"\n")
		}
	})
}

func TestZeroDowntimeDeploysUnderLoad(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	cleanupDocker(t, cli, d.daemonID())
	app, repo := procfileApp(t, d, base, webCmd)
	d.mustPaasctl(repo.dir, "scale", "web=2")

	l := startLoad(d, app, "/index.html")
	for i := 2; i <= 4; i++ {
		repo.write("index.html", "v"+string(rune('0'+i))+"\n")
		repo.commit("next")
		if out, err := repo.push(); err != nil {
			t.Fatalf("push %d: %v\n%s", i, err, out)
		}
	}
	d.mustPaasctl(repo.dir, "ps:restart")
	d.mustPaasctl(repo.dir, "config:set", "UNDER_LOAD=1")
	l.end(t, "3 deploys, a restart and a config change")
}

func TestReleasePhaseAndHealthCheckKeepOldRelease(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{env: []string{"PAAS_BOOT_TIMEOUT=5s"}})
	cleanupDocker(t, cli, d.daemonID())
	app, repo := procfileApp(t, d, base, webCmd+"release: echo migrating $PAAS_RELEASE\n")
	assertServes(t, d, app, "v1\n")

	repo.write("index.html", "v2\n")
	repo.write("Procfile", webCmd+"release: echo migration failed; exit 4\n")
	repo.commit("bad release phase")
	out, err := repo.push()
	if err == nil || !strings.Contains(out, "migration failed") || !strings.Contains(out, "status 4") {
		t.Fatalf("push with a failing release phase: err=%v\n%s", err, out)
	}
	assertServes(t, d, app, "v1\n")

	d.mustPaasctl(repo.dir, "apps:settings", "health-path=/health")
	repo.write("Procfile", webCmd)
	repo.commit("no /health")
	out, err = repo.push()
	if err == nil {
		t.Fatalf("push whose web process fails its health check succeeded:\n%s", out)
	}
	assertServes(t, d, app, "v1\n")
	rels := d.releases(app)
	if !rels[len(rels)-1].Current || rels[0].Status != "failed" || rels[1].Status != "failed" {
		t.Fatalf("releases: %+v; want v1 current, v2 and v3 failed", rels)
	}
}

func containerOf(t *testing.T, app, process string) string {
	t.Helper()
	cli := dockertest.Client(t)
	cs, err := cli.ContainerList(context.Background(), container.ListOptions{Filters: labelFilter(app, process)})
	if err != nil || len(cs) == 0 {
		t.Fatalf("no running container of %s %s: %v", app, process, err)
	}
	return cs[0].ID
}

func errString(code int, err error) string {
	if err != nil {
		return err.Error()
	}
	return http.StatusText(code)
}
