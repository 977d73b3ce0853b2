package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/dockertest"
)

var (
	stacksOnce sync.Once
	stacksErr  error
	stacksOut  []byte
)

// prepareStacks makes the stack images once per machine (paasd stacks),
// before the pushes that need them, so that no push waits minutes on them.
func prepareStacks(t *testing.T) {
	t.Helper()
	stacksOnce.Do(func() {
		began := time.Now()
		cmd := exec.Command(filepath.Join(binDir, "paasd"), "stacks")
		stacksOut, stacksErr = cmd.CombinedOutput()
		t.Logf("paasd stacks took %s", time.Since(began).Round(time.Second))
	})
	if stacksErr != nil {
		t.Fatalf("paasd stacks: %v\n%s", stacksErr, stacksOut)
	}
}

// An app of each language, none with a Dockerfile and none with third-party
// dependencies (no package registry is reachable), is detected, built on
// the stack and served through the router. The Go app then pushes a change
// of source only, which reuses the toolchain and dependency steps. A tree
// with nothing paas knows how to build is refused, saying what it looks for.
// The apps build side by side: each build step costs seconds on a slow
// storage driver.
func TestPushWithoutADockerfile(t *testing.T) {
	cli := dockertest.Client(t) // fails, never skips, where Docker is required
	prepareStacks(t)
	d := startDaemon(t, daemonOptions{env: []string{"PAAS_BUILD_CONCURRENCY=4"}}) // side by side, as before the queue
	for _, tt := range []struct {
		name     string
		files    map[string]string
		detected string
		body     string
	}{
		{"go", map[string]string{
			"go.mod":  "module example.com/hello\n\ngo 1.22\n",
			"go.sum":  "", // no dependencies, but the download step all the same
			"main.go": goServer("go ok"),
		}, "Go app detected", "go ok\n"},
		{"node", map[string]string{
			"package.json": `{"name": "hello", "version": "1.0.0", "scripts": {"start": "node server.js"}, "engines": {"node": ">=18"}}` + "\n",
			"server.js":    `require("http").createServer((req, res) => res.end("node ok\n")).listen(process.env.PORT);` + "\n",
		}, "Node.js app detected", "node ok\n"},
		{"python", map[string]string{
			"requirements.txt": "# no third-party packages\n",
			"Procfile":         "web: python3 app.py\n",
			"app.py": "import http.server, os\n" +
				"class H(http.server.BaseHTTPRequestHandler):\n" +
				"    def do_GET(self):\n" +
				"        self.send_response(200)\n        self.end_headers()\n        self.wfile.write(b'python ok\\n')\n" +
				"http.server.HTTPServer(('', int(os.environ['PORT'])), H).serve_forever()\n",
		}, "Python app detected", "python ok\n"},
		{"static", map[string]string{"index.html": "static ok\n"}, "Static site app detected", "static ok\n"},
	} {
		app := d.createApp(cli) // here: the daemon's cleanups must not run in a parallel subtest
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := newBareRepo(t, d)
			for name, content := range tt.files {
				repo.write(name, content)
			}
			repo.commit("v1")
			d.mustPaasctl(repo.dir, "git:remote", "-a", app)
			out, err := repo.push()
			if err != nil {
				t.Fatalf("push: %v\n%s", err, out)
			}
			if !strings.Contains(out, tt.detected) {
				t.Errorf("push output lacks %q:\n%s", tt.detected, out)
			}
			assertServes(t, d, app, tt.body)
			if tt.name != "go" {
				return
			}
			repo.write("main.go", goServer("go v2"))
			repo.commit("v2")
			if out, err = repo.push(); err != nil {
				t.Fatalf("push v2: %v\n%s", err, out)
			}
			// The toolchain, go.mod and download steps come from the
			// cache; the source copy and the build do not.
			if n := strings.Count(out, "Using cache"); n < 3 {
				t.Errorf("a source-only push reused %d cached steps, want the toolchain and dependency steps cached:\n%s", n, out)
			}
			assertServes(t, d, app, "go v2\n")
		})
	}

	empty := d.createApp(cli)
	other := newBareRepo(t, d)
	other.write("README.md", "nothing to build\n")
	other.commit("nothing")
	d.mustPaasctl(other.dir, "git:remote", "-a", empty)
	out, err := other.push()
	if err == nil || !strings.Contains(out, "Dockerfile") || !strings.Contains(out, "go.mod") || !strings.Contains(out, "package.json") {
		t.Fatalf("push of a tree paas cannot build: %v\n%s", err, out)
	}
}

// goServer is a Go web process that answers body.
func goServer(body string) string {
	return "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"os\"\n)\n\n" +
		"func main() {\n\thttp.HandleFunc(\"/\", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, \"" + body + "\") })\n" +
		"\tpanic(http.ListenAndServe(\":\"+os.Getenv(\"PORT\"), nil))\n}\n"
}

// newBareRepo is a git repository with no files yet.
func newBareRepo(t *testing.T, d *daemon) *appRepo {
	t.Helper()
	r := &appRepo{t: t, d: d, dir: t.TempDir()}
	d.mustGit(r.dir, "init", "-q", "-b", "main")
	return r
}
