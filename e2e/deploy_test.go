package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/internal/dockertest"
)

// TestGitPushDeploy is the README tour: create an app, push, curl, push a
// change, push a broken build, destroy.
func TestGitPushDeploy(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	cleanupDocker(t, cli, d.daemonID())
	app := d.createApp(cli)
	if code, body, err := d.get(app, "/"); err != nil || code != http.StatusServiceUnavailable {
		t.Fatalf("before the first push: %d %q %v, want 503", code, body, err)
	}

	repo := newAppRepo(t, d, base)
	repo.write("index.html", "hello v1\n")
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)

	out, err := repo.push()
	if err != nil {
		t.Fatalf("first push failed: %v\n%s", err, out)
	}
	for _, want := range []string{"remote:", "Step 1/", "Releasing v1", "is live"} {
		if !strings.Contains(out, want) {
			t.Errorf("push output lacks %q:\n%s", want, out)
		}
	}
	assertServes(t, d, app, "hello v1\n")
	assertWebContainer(t, d, app, "v1")
	assertProcessEnv(t, d, app, "PORT=5000", "PAAS_APP="+app, "PAAS_PROCESS=web.1", "PAAS_RELEASE=v1", "DYNO=web.1")

	repo.write("index.html", "hello v2\n")
	repo.commit("v2")
	if out, err := repo.push(); err != nil {
		t.Fatalf("second push failed: %v\n%s", err, out)
	}
	assertServes(t, d, app, "hello v2\n")
	assertWebContainer(t, d, app, "v2")

	t.Run("broken build keeps the old release", func(t *testing.T) {
		repo.write("Dockerfile", "FROM "+base+"\nRUN exit 3\n")
		repo.commit("broken")
		out, err := repo.push()
		if err == nil {
			t.Fatalf("push of a broken Dockerfile succeeded:\n%s", out)
		}
		if !strings.Contains(out, "non-zero code: 3") {
			t.Errorf("push output lacks the build error:\n%s", out)
		}
		assertServes(t, d, app, "hello v2\n")
	})

	t.Run("a tree paas cannot build is refused", func(t *testing.T) {
		repo.remove("Dockerfile")
		repo.remove("index.html") // else it builds as a static site
		repo.write("README.md", "no app here\n")
		repo.commit("nothing to build")
		out, err := repo.push()
		if err == nil || !strings.Contains(out, "Dockerfile") || !strings.Contains(out, "index.html") {
			t.Fatalf("push of a tree paas cannot build: err=%v\n%s", err, out)
		}
		assertServes(t, d, app, "hello v2\n")
	})

	t.Run("a branch other than main is refused", func(t *testing.T) {
		d.mustGit(repo.dir, "checkout", "-q", "-b", "feature")
		out, err := repo.push("paas", "feature")
		if err == nil || !strings.Contains(out, "main") {
			t.Fatalf("push of feature: err=%v\n%s", err, out)
		}
		d.mustGit(repo.dir, "checkout", "-q", "main")
	})

	t.Run("apps:info", func(t *testing.T) {
		out := d.mustPaasctl("", "apps:info", "-a", app, "--json")
		var info struct {
			Name           string `json:"name"`
			CurrentRelease int    `json:"current_release"`
			Processes      []struct {
				Name  string `json:"name"`
				State string `json:"state"`
			} `json:"processes"`
		}
		if err := json.Unmarshal([]byte(out), &info); err != nil {
			t.Fatalf("apps:info --json: %v\n%s", err, out)
		}
		if info.Name != app || info.CurrentRelease != 2 || len(info.Processes) != 1 || info.Processes[0].Name != "web.1" || info.Processes[0].State != "up" {
			t.Fatalf("apps:info = %+v", info)
		}
	})

	t.Run("apps:destroy removes everything", func(t *testing.T) {
		if out, err := d.paasctl("", "apps:destroy", app); err == nil {
			t.Fatalf("apps:destroy without --confirm succeeded:\n%s", out)
		}
		d.mustPaasctl("", "apps:destroy", app, "--confirm", app)
		if code, _, err := d.get(app, "/"); err != nil || code != http.StatusNotFound {
			t.Fatalf("after destroy: status %d, err %v; want 404", code, err)
		}
		ctx := context.Background()
		f := filters.NewArgs(filters.Arg("label", "paas.app="+app))
		cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
		if err != nil || len(cs) != 0 {
			t.Fatalf("containers left after destroy: %d (%v)", len(cs), err)
		}
		if imgs := appImages(t, cli, app); len(imgs) != 0 {
			t.Fatalf("images left after destroy: %v", imgs)
		}
		if out, err := d.paasctl("", "apps:info", "-a", app); err == nil || !strings.Contains(out, "not found") {
			t.Fatalf("apps:info after destroy: err=%v\n%s", err, out)
		}
	})
}

func TestPushToUnknownAppFails(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "x\n")
	repo.commit("x")
	app := d.createApp(cli)
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	d.mustPaasctl("", "apps:destroy", app, "--confirm", app)
	out, err := repo.push()
	if err == nil || !strings.Contains(out, "app not found") {
		t.Fatalf("push to unknown app: err=%v\n%s", err, out)
	}
}

func TestUnauthenticatedRequestsGet401(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	app := d.createApp(cli)

	for _, path := range []string{"/apps", "/apps/" + app, "/nope", "/git/" + app + ".git/info/refs?service=git-receive-pack"} {
		resp, err := http.Get(d.apiURL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without token: %d, want 401", path, resp.StatusCode)
		}
	}

	// git with a wrong password: the credential helper hands git what
	// PAAS_API_TOKEN says.
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "x\n")
	repo.commit("x")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	good := d.token
	d.token = "wrong-token-0123456789"
	out, err := repo.push()
	d.token = good
	if err == nil || !(strings.Contains(out, "401") || strings.Contains(out, "Authentication failed")) {
		t.Fatalf("push with a wrong token: err=%v\n%s", err, out)
	}
}

// TestDaemonRestartKeepsAppsRunning: SIGTERM stops paasd but not the app; a
// new paasd on the same data dir adopts the container and routes to it.
func TestDaemonRestartKeepsAppsRunning(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	dataDir := t.TempDir()
	d := startDaemon(t, daemonOptions{dataDir: dataDir})
	cleanupDocker(t, cli, d.daemonID())
	app := d.createApp(cli)
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "survives\n")
	repo.commit("v1")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	assertServes(t, d, app, "survives\n")
	before := webContainerIDs(t, d, app)

	d.stop()
	if after := webContainerIDs(t, d, app); !equal(before, after) {
		t.Fatalf("containers changed when paasd stopped: %v -> %v", before, after)
	}

	d2 := startDaemon(t, daemonOptions{dataDir: dataDir})
	assertServes(t, d2, app, "survives\n")
	if after := webContainerIDs(t, d2, app); !equal(before, after) {
		t.Fatalf("paasd restart replaced containers: %v -> %v", before, after)
	}
}

func assertServes(t *testing.T, d *daemon, app, want string) {
	t.Helper()
	var code int
	var body string
	var err error
	ok := eventually(10*time.Second, func() bool {
		code, body, err = d.get(app, "/")
		return err == nil && code == http.StatusOK && body == want
	})
	if !ok {
		t.Fatalf("GET http://%s.localhost/: %d %q %v; want 200 %q", app, code, body, err, want)
	}
}

// assertProcessEnv checks the environment the web process started with.
func assertProcessEnv(t *testing.T, d *daemon, app string, want ...string) {
	t.Helper()
	code, body, err := d.get(app, "/env.txt")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /env.txt: %d %v", code, err)
	}
	lines := strings.Split(body, "\n")
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("process environment lacks %s:\n%s", w, body)
		}
	}
}

// assertWebContainer checks the labels an operator filters on.
func assertWebContainer(t *testing.T, d *daemon, app, release string) {
	t.Helper()
	cli := dockertest.Client(t)
	f := filters.NewArgs(filters.Arg("label", "paas.app="+app), filters.Arg("label", "paas.process=web.1"))
	cs, err := cli.ContainerList(context.Background(), container.ListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Labels["paas.release"] != release || cs[0].Labels["paas.daemon"] != d.daemonID() {
		t.Fatalf("running web containers of %s: %+v; want one of %s", app, cs, release)
	}
}

func labelFilter(app, process string) filters.Args {
	return filters.NewArgs(filters.Arg("label", "paas.app="+app), filters.Arg("label", "paas.process="+process))
}

// containersOf lists the app's containers of one release, in any state.
func containersOf(t *testing.T, cli *client.Client, app, release string) []string {
	t.Helper()
	f := filters.NewArgs(filters.Arg("label", "paas.app="+app), filters.Arg("label", "paas.release="+release))
	cs, err := cli.ContainerList(context.Background(), container.ListOptions{All: true, Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func webContainerIDs(t *testing.T, d *daemon, app string) []string {
	t.Helper()
	cli := dockertest.Client(t)
	f := filters.NewArgs(filters.Arg("label", "paas.app="+app), filters.Arg("status", "running"))
	cs, err := cli.ContainerList(context.Background(), container.ListOptions{Filters: f})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func equal(a, b []string) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	seen := map[string]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if !seen[x] {
			return false
		}
	}
	return true
}

// TestDestroyKeepsImageSharedWithAnotherApp: one repo deployed as two apps
// (staging and production) builds one image; destroying one app must leave
// the other serving and able to restart.
func TestDestroyKeepsImageSharedWithAnotherApp(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{})
	cleanupDocker(t, cli, d.daemonID())
	staging, prod := d.createApp(cli), d.createApp(cli)
	repo := newAppRepo(t, d, base)
	repo.write("index.html", "same commit\n")
	repo.commit("v1")
	for _, app := range []string{staging, prod} {
		d.mustPaasctl(repo.dir, "git:remote", "-a", app)
		if out, err := repo.push(); err != nil {
			t.Fatalf("push to %s: %v\n%s", app, err, out)
		}
	}
	prodImages := appImages(t, cli, prod)
	if staged := appImages(t, cli, staging); !slices.Equal(staged, prodImages) {
		t.Logf("the builder made two images (%v, %v); the test still holds", staged, prodImages)
	}

	d.mustPaasctl("", "apps:destroy", staging, "--confirm", staging)
	assertServes(t, d, prod, "same commit\n")
	if after := appImages(t, cli, prod); !slices.Equal(after, prodImages) {
		t.Fatalf("destroying %s removed %s's image: %v -> %v", staging, prod, prodImages, after)
	}
	// A restart onto the same image proves it is still usable.
	d.mustPaasctl("", "config:set", "RESTARTED=1", "-a", prod)
	assertEnvEventually(t, d, prod, "RESTARTED=1", true)
}
