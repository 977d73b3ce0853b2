package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// appRepo is a git work tree of a fixture app built FROM a locally imported
// busybox image, so no build pulls anything. It serves its files and, at
// /env.txt, the environment its process started with.
type appRepo struct {
	t    *testing.T
	d    *daemon
	dir  string
	base string
}

func newAppRepo(t *testing.T, d *daemon, base string) *appRepo {
	t.Helper()
	r := &appRepo{t: t, d: d, dir: t.TempDir(), base: base}
	d.mustGit(r.dir, "init", "-q", "-b", "main")
	r.write("Dockerfile", "FROM "+base+"\nCOPY index.html /www/index.html\nCMD [\"/bin/sh\", \"-c\", \"env > /www/env.txt; exec httpd -f -p $PORT -h /www\"]\n")
	return r
}

func (r *appRepo) write(name, content string) {
	r.t.Helper()
	path := filepath.Join(r.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *appRepo) remove(name string) {
	r.t.Helper()
	r.d.mustGit(r.dir, "rm", "-q", name)
}

func (r *appRepo) commit(msg string) {
	r.t.Helper()
	r.d.mustGit(r.dir, "add", "-A")
	r.d.mustGit(r.dir, "commit", "-q", "-m", msg)
}

// push runs `git push paas main` and returns its output.
func (r *appRepo) push(args ...string) (string, error) {
	if len(args) == 0 {
		args = []string{"paas", "main"}
	}
	return r.d.git(r.dir, append([]string{"push"}, args...)...)
}
