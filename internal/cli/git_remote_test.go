package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestGitRemote(t *testing.T) {
	url := startDaemon(t, apiservertest.NewPlatform("hello", "other"))
	dir := gitRepo(t)

	out := paasctl(t, "", "git:remote", "-a", "hello").mustSucceed(t)
	want := url + "/git/hello.git"
	if !strings.Contains(out, want) {
		t.Errorf("output %q lacks %q", out, want)
	}
	if got := runGit(t, dir, "remote", "get-url", "paas"); got != want {
		t.Errorf("remote paas = %q, want %q", got, want)
	}
	section := "credential." + url
	helpers := helpersOf(t, dir, section)
	if len(helpers) != 2 || helpers[0] != "" || !strings.HasPrefix(helpers[1], "!'/") || !strings.HasSuffix(helpers[1], "' git:credential") {
		t.Errorf("helpers = %q, want a reset then !'<abs path>' git:credential", helpers)
	}
	if got := runGit(t, dir, "config", "--local", section+".username"); got != "paas" {
		t.Errorf("username = %q", got)
	}

	// Running it again, for another app, updates rather than duplicates.
	paasctl(t, "", "git:remote", "-a", "other").mustSucceed(t)
	if got := runGit(t, dir, "remote", "get-url", "paas"); got != url+"/git/other.git" {
		t.Errorf("remote paas after update = %q", got)
	}
	if n := len(helpersOf(t, dir, section)); n != 2 {
		t.Errorf("%d helpers after a second git:remote, want 2", n)
	}
	// And without -a it keeps the remote's app.
	paasctl(t, "", "git:remote").mustSucceed(t)

	config, err := os.ReadFile(filepath.Join(dir, ".git", "config"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(config), testToken) {
		t.Errorf(".git/config holds the token:\n%s", config)
	}
}

// helpersOf lists the credential helpers of section in order; NUL-separated
// output keeps the empty reset helper visible.
func helpersOf(t *testing.T, dir, section string) []string {
	t.Helper()
	out := runGit(t, dir, "config", "--local", "--null", "--get-all", section+".helper")
	return strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
}

// TestGitUsesCredentialHelper has real git ask the helper git:remote set up,
// which in this test is the test binary acting as paasctl (see TestMain).
func TestGitUsesCredentialHelper(t *testing.T) {
	url := startDaemon(t, apiservertest.NewPlatform("hello"))
	dir := gitRepo(t)
	paasctl(t, "", "git:remote", "-a", "hello").mustSucceed(t)

	// A helper in the user's global config must not answer first.
	runGit(t, dir, "config", "--global", "credential.helper", "!echo password=stale-global; :")

	host := strings.TrimPrefix(url, "http://")
	cmd := exec.Command("git", "credential", "fill")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader("protocol=http\nhost=" + host + "\npath=git/hello.git\n\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git credential fill: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "username=paas\n") || !strings.Contains(string(out), "password="+testToken+"\n") {
		t.Errorf("git credential fill gave:\n%s", out)
	}
}

func TestGitRemoteErrors(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform("hello"))
	paasctl(t, "", "git:remote", "-a", "hello").mustFail(t, "not inside a git repository", "git init")
	gitRepo(t)
	paasctl(t, "", "git:remote", "-a", "nope").mustFail(t, "not found", "paasctl apps:create nope")
	paasctl(t, "", "git:remote").mustFail(t, "no app specified")
}

func TestGitCredential(t *testing.T) {
	url := startDaemon(t, apiservertest.NewPlatform())
	host := strings.TrimPrefix(url, "http://")

	out := paasctl(t, "protocol=http\nhost="+host+"\n\n", "git:credential", "get").mustSucceed(t)
	if out != "username=paas\npassword="+testToken+"\n" {
		t.Errorf("get printed %q", out)
	}
	for _, op := range []string{"store", "erase"} {
		if out := paasctl(t, "protocol=http\nhost="+host+"\nusername=paas\npassword=x\n\n", "git:credential", op).mustSucceed(t); out != "" {
			t.Errorf("%s printed %q, want nothing", op, out)
		}
	}
}

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"/usr/local/bin/paasctl": `'/usr/local/bin/paasctl'`,
		"/home/o'neil/bin/p a s": `'/home/o'\''neil/bin/p a s'`,
	}
	for in, want := range tests {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
		out, err := exec.Command("sh", "-c", "printf %s "+shellQuote(in)).Output()
		if err != nil || string(out) != in {
			t.Errorf("sh read %s as %q (%v), want %q", shellQuote(in), out, err, in)
		}
	}
}
