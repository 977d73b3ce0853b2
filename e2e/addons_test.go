package e2e

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/dockertest"
)

// notesApp keeps notes in the database of DATABASE_URL with Debian's
// psycopg2: GET /add/X adds X, GET /drop drops their table, and every other
// GET answers the notes, sorted.
const notesApp = `import http.server, os, psycopg2

def db():
    return psycopg2.connect(os.environ["DATABASE_URL"])

if "DATABASE_URL" in os.environ:
    with db() as c, c.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS notes (body text)")

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"no database"
        if self.path == "/drop":
            with db() as c, c.cursor() as cur:
                cur.execute("DROP TABLE notes")
            body = b"dropped"
        elif "DATABASE_URL" in os.environ:
            with db() as c, c.cursor() as cur:
                if self.path.startswith("/add/"):
                    cur.execute("INSERT INTO notes VALUES (%s)", (self.path[5:],))
                cur.execute("SELECT body FROM notes ORDER BY body")
                body = ",".join(r[0] for r in cur.fetchall()).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("", int(os.environ["PORT"])), H).serve_forever()
`

// redisPing answers PING through REDIS_URL, speaking RESP itself.
const redisPing = `import os, socket, urllib.parse
u = urllib.parse.urlparse(os.environ["REDIS_URL"])
s = socket.create_connection((u.hostname, u.port), timeout=10)
s.sendall(("AUTH %s %s\r\nPING\r\n" % (u.username, u.password)).encode())
got = b""
while b"PONG" not in got and b"ERR" not in got:
    chunk = s.recv(100)
    if not chunk:
        break
    got += chunk
print(got.decode().split()[-1])
`

// A Postgres add-on, end to end with real Docker: created and attached as
// DATABASE_URL, with its progress shown, an app writes rows through it and
// reads them back through the router, and they survive a redeploy, a
// restart of the Postgres container and a restart of paasd; its output is
// in the app's log stream as addon[NAME]; pg:psql reads the rows; its URL
// is shown only when asked; a Redis add-on, from an image configured with
// PAAS_REDIS_IMAGE, answers PING from a one-off and redis:cli;
// destroying an add-on removes its container and volume and unsets its var.
func TestPostgresAndRedisAddons(t *testing.T) {
	cli := dockertest.Client(t)
	prepareStacks(t)
	redisImage := configuredRedisImage(t, cli)
	dataDir := t.TempDir()
	env := []string{"PAAS_REDIS_IMAGE=" + redisImage}
	d := startDaemon(t, daemonOptions{dataDir: dataDir, env: env})
	app := d.createApp(cli)

	if out, err := d.paasctl("", "addons:create", "mysql", "-a", app); err == nil || !strings.Contains(out, "postgres and redis") {
		t.Errorf("addons:create mysql: %v\n%s", err, out)
	}
	out := d.mustPaasctl("", "addons:create", "postgres", "-a", app)
	if !strings.Contains(out, "as DATABASE_URL") || !strings.Contains(out, "accepts connections") {
		t.Fatalf("addons:create postgres:\n%s", out)
	}
	pg := addonOf(t, d, app, "postgres")

	repo := newBareRepo(t, d)
	repo.write("Dockerfile", "FROM "+builder.DefaultStackRepository+"/base:"+builder.StackRelease+"\n"+
		"RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-psycopg2 && rm -rf /var/lib/apt/lists/*\n"+
		"COPY app.py redis_ping.py /app/\nCMD [\"python3\", \"/app/app.py\"]\n")
	repo.write("app.py", notesApp)
	repo.write("redis_ping.py", redisPing)
	repo.commit("notes")
	d.mustPaasctl(repo.dir, "git:remote", "-a", app)
	if out, err := repo.push(); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	assertServes(t, d, app, "")
	assertGet(t, d, app, "/add/one", "one")
	assertGet(t, d, app, "/add/two", "one,two")

	// A redeploy, a restart of the database's container, a restart of
	// paasd: the rows stay.
	d.mustPaasctl("", "config:set", "REDEPLOY=1", "-a", app)
	assertGet(t, d, app, "/", "one,two")
	timeout := 10
	if err := cli.ContainerRestart(context.Background(), "paas-"+d.daemonID()+"-addon-"+pg.Name, container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatal(err)
	}
	assertGet(t, d, app, "/", "one,two")
	d.stop()
	d = startDaemon(t, daemonOptions{dataDir: dataDir, env: env, token: d.token})
	assertGet(t, d, app, "/add/three", "one,three,two")

	// Its output is in the app's stream, from before and after the
	// restarts of its container and of paasd.
	var logs string
	if !eventually(30*time.Second, func() bool {
		logs = d.mustPaasctl("", "logs", "-a", app, "--source", "addon", "-n", "1500")
		return strings.Count(logs, "addon["+pg.Name+"]: ") > 0 && strings.Count(logs, "database system is ready to accept connections") >= 2
	}) {
		t.Errorf("the add-on's lines in the app's stream:\n%s", logs)
	}
	// psql beside the database: a query, and SQL from stdin.
	if out := d.mustPaasctl("", "pg:psql", "-a", app, "-c", "SELECT string_agg(body, ',' ORDER BY body) FROM notes"); !strings.Contains(out, "one,three,two") {
		t.Errorf("pg:psql -c:\n%s", out)
	}
	if out := d.paasctlStdin("INSERT INTO notes VALUES ('four');\nSELECT count(*) AS n FROM notes;\n", "pg:psql", "-a", app); !strings.Contains(out, "INSERT 0 1") || !strings.Contains(out, " 4") {
		t.Errorf("pg:psql from stdin:\n%s", out)
	}
	if out, err := d.paasctl("", "pg:psql", "-a", app, "-c", "SELECT * FROM nowhere"); err == nil || !strings.Contains(out, `relation "nowhere" does not exist`) {
		t.Errorf("pg:psql of bad SQL: %v\n%s", err, out)
	}
	assertGet(t, d, app, "/", "four,one,three,two")

	// One database shared by two apps: attached to a second, which reads
	// the same rows; detached, its var goes.
	other := d.createApp(cli)
	if out := d.mustPaasctl("", "addons:attach", pg.Name, "-a", other); !strings.Contains(out, "as DATABASE_URL") {
		t.Fatalf("addons:attach:\n%s", out)
	}
	d.mustPaasctl(repo.dir, "git:remote", "-a", other) // this paasd's URL, and the other app
	if out, err := repo.push(); err != nil {
		t.Fatalf("push to %s: %v\n%s", other, err, out)
	}
	assertGet(t, d, other, "/", "four,one,three,two")
	d.mustPaasctl("", "addons:detach", pg.Name, "-a", other)
	if cfg := d.mustPaasctl("", "config", "-a", other); strings.Contains(cfg, "DATABASE_URL") {
		t.Errorf("%s's config after detach:\n%s", other, cfg)
	}
	assertGet(t, d, other, "/", "no database")

	// The URL, and so the password, only when asked.
	if info := d.mustPaasctl("", "addons:info", pg.Name); strings.Contains(info, "postgres://") || !strings.Contains(info, app+"::DATABASE_URL") ||
		!regexp.MustCompile(`Service state:\s+running`).MatchString(info) {
		t.Errorf("addons:info:\n%s", info)
	}
	if info := d.mustPaasctl("", "addons:info", pg.Name, "--show-url"); !strings.Contains(info, "postgres://") {
		t.Errorf("addons:info --show-url:\n%s", info)
	}
	if up := sumMetric(scrapeMetrics(t, d), "paas_addon_up", map[string]string{"addon": pg.Name, "service": "postgres", "state": "running"}); up != 1 {
		t.Errorf("paas_addon_up for %s = %v, want 1", pg.Name, up)
	}

	// A backup captured, the table dropped, the backup restored: the rows
	// are back. A restore asks for a confirmation, which a run without a
	// terminal can only give with --confirm.
	if out := d.mustPaasctl("", "pg:backups:capture", "-a", app); !strings.Contains(out, "done: b1") {
		t.Fatalf("pg:backups:capture:\n%s", out)
	}
	figures := scrapeMetrics(t, d)
	if n := sumMetric(figures, "paas_backups_total", map[string]string{"addon": pg.Name, "status": "succeeded"}); n != 1 {
		t.Errorf("paas_backups_total for %s = %v, want 1", pg.Name, n)
	}
	if at := sumMetric(figures, "paas_addon_last_backup_timestamp_seconds", map[string]string{"addon": pg.Name}); time.Since(time.Unix(int64(at), 0)) > 5*time.Minute {
		t.Errorf("paas_addon_last_backup_timestamp_seconds for %s = %v", pg.Name, at)
	}
	assertGet(t, d, app, "/drop", "dropped")
	if out, err := d.paasctl("", "pg:backups:restore", "-a", app); err == nil || !strings.Contains(out, "--confirm "+app) {
		t.Errorf("pg:backups:restore without --confirm: %v\n%s", err, out)
	}
	if out, err := d.paasctl("", "pg:backups:restore", "b9", "-a", app, "--confirm", app); err == nil || !strings.Contains(out, "not found") {
		t.Errorf("pg:backups:restore of a backup that does not exist: %v\n%s", err, out)
	}
	if out := d.mustPaasctl("", "pg:backups:restore", "-a", app, "--confirm", app); !strings.Contains(out, "done: b1") {
		t.Errorf("pg:backups:restore:\n%s", out)
	}
	assertGet(t, d, app, "/", "four,one,three,two")
	if list := d.mustPaasctl("", "pg:backups", "-a", app); !strings.Contains(list, "b1") {
		t.Errorf("pg:backups:\n%s", list)
	}
	dump := filepath.Join(t.TempDir(), "latest.dump")
	d.mustPaasctl("", "pg:backups:download", "-a", app, "-o", dump)
	if data, err := os.ReadFile(dump); err != nil || !strings.HasPrefix(string(data), "PGDMP") {
		t.Errorf("downloaded backup: %v, starts %q", err, string(data[:min(len(data), 8)]))
	}

	// Redis, from the configured image, from a one-off and redis:cli.
	if out := d.mustPaasctl("", "addons:create", "redis", "-a", app); !strings.Contains(out, "as REDIS_URL") || !strings.Contains(out, "from "+redisImage) {
		t.Fatalf("addons:create redis:\n%s", out)
	}
	if out := d.mustPaasctl("", "run", "-a", app, "python3 /app/redis_ping.py"); strings.TrimSpace(out) != "+PONG" && !strings.Contains(out, "PONG") {
		t.Errorf("PING through REDIS_URL: %q", out)
	}
	d.mustPaasctl("", "redis:cli", "-a", app, "SET", "greeting", "hello")
	if out := d.paasctlStdin("INCR hits\nINCR hits\nGET greeting\n", "redis:cli", "-a", app); !strings.Contains(out, "2") || !strings.Contains(out, "hello") {
		t.Errorf("redis:cli from stdin:\n%s", out)
	}

	// Destroyed: asked to confirm first; then its var, container and
	// volume go.
	if out, err := d.paasctl("", "addons:destroy", pg.Name); err == nil || !strings.Contains(out, "--confirm "+pg.Name) {
		t.Errorf("addons:destroy without --confirm: %v\n%s", err, out)
	}
	d.mustPaasctl("", "addons:destroy", pg.Name, "--confirm", pg.Name)
	if cfg := d.mustPaasctl("", "config", "-a", app); strings.Contains(cfg, "DATABASE_URL") || !strings.Contains(cfg, "REDIS_URL") {
		t.Errorf("config after destroy:\n%s", cfg)
	}
	f := filters.NewArgs(filters.Arg("label", "paas.addon="+pg.Name))
	if cs, _ := cli.ContainerList(context.Background(), container.ListOptions{All: true, Filters: f}); len(cs) != 0 {
		t.Errorf("containers left of %s: %d", pg.Name, len(cs))
	}
	if vs, _ := cli.VolumeList(context.Background(), volume.ListOptions{Filters: f}); len(vs.Volumes) != 0 {
		t.Errorf("volumes left of %s: %d", pg.Name, len(vs.Volumes))
	}
}

// configuredRedisImage tags paas's own Redis image under another name, as
// an image a user configures with PAAS_REDIS_IMAGE (no registry here to
// pull Docker's official one from), and removes the tag at the end.
func configuredRedisImage(t *testing.T, cli *client.Client) string {
	t.Helper()
	ctx := context.Background()
	own, err := builder.NewStacks(cli, builder.StackOptions{}).ServiceImage(ctx, "redis", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ref := "paas-e2e-redis:" + dockertest.RandomSuffix()
	if err := cli.ImageTag(ctx, own, ref); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := cli.ImageRemove(context.Background(), ref, image.RemoveOptions{}); err != nil {
			t.Errorf("remove %s: %v", ref, err)
		}
	})
	return ref
}

// addonOf is the app's add-on of service.
func addonOf(t *testing.T, d *daemon, app, service string) api.Addon {
	t.Helper()
	var as []api.Addon
	if err := json.Unmarshal([]byte(d.mustPaasctl("", "addons", "-a", app, "--json")), &as); err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.AddonService.Name == service {
			return a
		}
	}
	t.Fatalf("%s has no %s add-on: %+v", app, service, as)
	return api.Addon{}
}

// assertGet waits until GET path of app answers 200 with body.
func assertGet(t *testing.T, d *daemon, app, path, want string) {
	t.Helper()
	var code int
	var body string
	var err error
	if !eventually(30*time.Second, func() bool {
		code, body, err = d.get(app, path)
		return err == nil && code == 200 && body == want
	}) {
		t.Fatalf("GET %s of %s: %d %q %v; want 200 %q", path, app, code, body, err, want)
	}
}
