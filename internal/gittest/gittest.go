// Package gittest runs the real git client for tests, isolated from the
// machine's configuration, and writes the files of the work trees it
// commits.
package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Git is a git with no user or system config and no prompts.
type Git struct {
	t    *testing.T
	home string
}

// New is a git for t, with a HOME of its own; t skips without the git
// binary.
func New(t *testing.T) Git {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git binary not found")
	}
	return Git{t: t, home: t.TempDir()}
}

// In returns the same git reporting failures to t, for subtests.
func (g Git) In(t *testing.T) Git {
	g.t = t
	return g
}

// Command is git with args in dir, not started.
func (g Git) Command(dir string, args ...string) *exec.Cmd {
	full := append([]string{
		"-c", "user.name=Paas Test", "-c", "user.email=test@paas.invalid",
		"-c", "init.defaultBranch=main", "-c", "advice.detachedHead=false",
	}, args...)
	cmd := exec.Command("git", full...)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + g.home, "XDG_CONFIG_HOME=" + g.home,
		"GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "LANG=C", "LC_ALL=C",
	}
	return cmd
}

// Run runs git in dir and returns its combined output and error.
func (g Git) Run(dir string, args ...string) (string, error) {
	g.t.Helper()
	out, err := g.Command(dir, args...).CombinedOutput()
	return string(out), err
}

// Must runs git and fails the test if it fails; the output is trimmed.
func (g Git) Must(dir string, args ...string) string {
	g.t.Helper()
	out, err := g.Run(dir, args...)
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}

// NewWorkRepo makes a repository with a Dockerfile and Procfile committed.
func (g Git) NewWorkRepo() string {
	g.t.Helper()
	dir := g.t.TempDir()
	g.Must(dir, "init", "-q")
	WriteFile(g.t, dir, "Dockerfile", "FROM scratch\n")
	WriteFile(g.t, dir, "Procfile", "web: httpd -f -p $PORT\n")
	g.Must(dir, "add", ".")
	g.Must(dir, "commit", "-q", "-m", "first")
	return dir
}

// WriteFile writes content to name under dir, making its directories.
func WriteFile(t testing.TB, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ZerosFile writes a file of size zero bytes, sparse, so large ones cost
// no disk.
func ZerosFile(t testing.TB, dir, name string, size int64) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}
