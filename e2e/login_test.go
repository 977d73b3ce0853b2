package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/dockertest"
)

// paasctl login keeps the token in ~/.netrc, as Heroku's CLI does, so the
// real git client pushes with it through a plain remote: one login for both.
func TestLoginIsSharedWithGit(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	token := d.token
	d.token = "" // from here paasctl and git have only what login saves

	login := exec.Command(filepath.Join(binDir, "paasctl"), "login")
	login.Env = d.env()
	login.Stdin = strings.NewReader(token + "\n")
	if out, err := login.CombinedOutput(); err != nil {
		t.Fatalf("paasctl login: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(d.home, ".netrc"))
	if err != nil || !strings.Contains(string(b), "password "+token) {
		t.Fatalf(".netrc after login: %v\n%s", err, b)
	}

	app := d.createApp(cli)
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "netrc\n")
	repo.commit("v1")
	// A plain remote, without paasctl's credential helper: git finds the
	// token in ~/.netrc by itself.
	d.mustGit(repo.dir, "remote", "add", "paas", d.apiURL+"/git/"+app+".git")
	if out, err := repo.push(); err != nil {
		t.Fatalf("git push with the login in ~/.netrc: %v\n%s", err, out)
	}
	assertServes(t, d, app, "netrc\n")

	d.mustPaasctl("", "logout")
	repo.write("index.html", "after logout\n")
	repo.commit("v2")
	if out, err := repo.push(); err == nil {
		t.Fatalf("git push after paasctl logout succeeded:\n%s", out)
	}
}

// Both binaries say which build they are, paasctl asking the daemon's
// /healthz for paasd's.
func TestVersionOfBothBinaries(t *testing.T) {
	d := startDaemon(t, daemonOptions{})
	out, err := exec.Command(filepath.Join(binDir, "paasd"), "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "paasd ") || !strings.Contains(string(out), "commit ") {
		t.Fatalf("paasd --version: %v\n%s", err, out)
	}
	v := d.mustPaasctl("", "version")
	if !strings.HasPrefix(v, "paasctl ") || !strings.Contains(v, "\npaasd   ") || !strings.Contains(v, " at "+d.apiURL) {
		t.Errorf("paasctl version:\n%s", v)
	}
}

// bash, with the script paasctl completion bash prints, completes -a with
// the apps the daemon has.
func TestBashCompletesAppNames(t *testing.T) {
	cli := dockertest.Client(t)
	d := startDaemon(t, daemonOptions{})
	app := d.createApp(cli)
	paasctl := filepath.Join(binDir, "paasctl")
	// cobra's script needs bash-completion, as on any Debian shell (make
	// deps installs it). COMP_* are what bash sets for a completion function.
	script := `source /usr/share/bash-completion/bash_completion
source <("$PAASCTL" completion bash)
COMP_WORDS=(paasctl ps -a "${APP:0:6}"); COMP_CWORD=3; COMP_LINE="paasctl ps -a ${APP:0:6}"; COMP_POINT=${#COMP_LINE}
__start_paasctl
printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command("bash", "--norc", "--noprofile", "-c", script)
	cmd.Env = append(d.env(), "PAASCTL="+paasctl, "APP="+app, "PATH="+filepath.Dir(paasctl)+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), app) {
		t.Fatalf("bash completion of -a %s: %v\n%s", app[:6], err, out)
	}
}
