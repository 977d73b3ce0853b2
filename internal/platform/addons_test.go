package platform

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// fakeAddons records what the platform asks of the add-on engine.
type fakeAddons struct {
	mu        sync.Mutex
	running   map[string][]string // add-on -> apps whose network it is on
	destroyed []string
	fail      error
	data      map[string]string // a Postgres's content, by add-on
}

func (f *fakeAddons) Provision(_ context.Context, a releases.Addon, app string, _ io.Writer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	if f.running == nil {
		f.running = map[string][]string{}
	}
	f.running[a.Name] = []string{app}
	return nil
}

func (f *fakeAddons) Attach(_ context.Context, a releases.Addon, app string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running[a.Name] = append(f.running[a.Name], app)
	return nil
}

func (f *fakeAddons) Detach(_ context.Context, a releases.Addon, app string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running[a.Name] = slices.DeleteFunc(f.running[a.Name], func(x string) bool { return x == app })
	return nil
}

func (f *fakeAddons) Container(a releases.Addon) string { return "c-" + a.Name }

func (f *fakeAddons) State(context.Context, releases.Addon) (string, error) { return "running", nil }

func (f *fakeAddons) Destroy(_ context.Context, a releases.Addon) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.running, a.Name)
	f.destroyed = append(f.destroyed, a.Name)
	return nil
}

// An add-on is provisioned and attached as DATABASE_URL, a second as its
// own name; the URL is shown only when asked; destroying it unsets its var.
func TestAddonLifecycle(t *testing.T) {
	f := newFixture(t, 10)
	engine := &fakeAddons{}
	f.p.SetAddons(engine)
	f.createApp(t, "hello")
	ctx := context.Background()
	a, err := f.p.CreateAddon(ctx, "hello", api.AddonRequest{Plan: "heroku-postgresql:mini"}, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.Name, "postgres-") || !slices.Equal(a.ConfigVars, []string{"DATABASE_URL"}) || a.URL != "" {
		t.Errorf("add-on = %+v", a)
	}
	cfg, _ := f.p.Config(ctx, "hello")
	if url := cfg["DATABASE_URL"]; !strings.HasPrefix(url, "postgres://") || !strings.Contains(url, "@"+a.Name+":5432/") {
		t.Errorf("DATABASE_URL = %q", url)
	}
	rels, _ := f.p.Releases(ctx, "hello")
	if len(rels) != 1 || strings.Contains(rels[0].Description, "postgres://") {
		t.Errorf("releases = %+v", rels)
	}
	second, err := f.p.CreateAddon(ctx, "hello", api.AddonRequest{Plan: "postgres"}, "ada")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ToUpper(strings.ReplaceAll(second.Name, "-", "_")) + "_URL"
	if !slices.Equal(second.ConfigVars, []string{want}) {
		t.Errorf("second add-on's var = %v, want %s", second.ConfigVars, want)
	}
	if _, err := f.p.CreateAddon(ctx, "hello", api.AddonRequest{Plan: "redis", Attachment: struct {
		Name string `json:"name,omitempty"`
	}{Name: "DATABASE"}}, "ada"); !errors.Is(err, releases.ErrExists) {
		t.Errorf("an attachment name in use: %v", err)
	}
	if _, err := f.p.CreateAddon(ctx, "hello", api.AddonRequest{Plan: "mysql"}, "ada"); err == nil || !strings.Contains(err.Error(), "postgres and redis") {
		t.Errorf("unknown service: %v", err)
	}
	// Shared with a second app, and taken away again; the owner cannot
	// detach its own.
	f.createApp(t, "other")
	if _, err := f.p.AttachAddon(ctx, a.Name, "other", "", "ada"); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := f.p.Config(ctx, "other"); !strings.Contains(cfg["DATABASE_URL"], "@"+a.Name+":5432/") {
		t.Errorf("other's DATABASE_URL = %q", cfg["DATABASE_URL"])
	}
	if _, err := f.p.AttachAddon(ctx, a.Name, "other", "", "ada"); !errors.Is(err, releases.ErrExists) {
		t.Errorf("attached twice: %v", err)
	}
	if _, err := f.p.DetachAddon(ctx, a.Name, "hello", "ada"); !errors.Is(err, releases.ErrInvalid) {
		t.Errorf("the owner detached: %v", err)
	}
	if _, err := f.p.DetachAddon(ctx, a.Name, "other", "ada"); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := f.p.Config(ctx, "other"); cfg["DATABASE_URL"] != "" || slices.Contains(engine.running[a.Name], "other") {
		t.Errorf("after detach: other's config %v, networks %v", cfg, engine.running[a.Name])
	}
	// The add-on's output joins the stream of each app it is attached to,
	// while it is, and again after a paasd restart.
	for _, want := range []string{
		"hello follows addon[" + a.Name + "] in c-" + a.Name,
		"other follows addon[" + a.Name + "] in c-" + a.Name,
		"other stops following c-" + a.Name,
	} {
		if !strings.Contains(f.events.all(), want) {
			t.Errorf("no %q in the events %q", want, f.events.all())
		}
	}
	f.p.SetAddons(engine)
	if n := strings.Count(f.events.all(), "hello follows addon["+a.Name+"] in c-"+a.Name); n != 2 {
		t.Errorf("hello follows %s %d times after the restart, want 2", a.Name, n)
	}
	shown, err := f.p.Addon(ctx, a.Name, true)
	if err != nil || !strings.HasPrefix(shown.URL, "postgres://") {
		t.Errorf("Addon with URL = %+v, %v", shown, err)
	}
	list, err := f.p.Addons(ctx, "hello")
	if err != nil || len(list) != 2 {
		t.Errorf("Addons = %+v, %v", list, err)
	}
	if err := f.p.DestroyAddon(ctx, a.Name, "ada"); err != nil {
		t.Fatal(err)
	}
	cfg, _ = f.p.Config(ctx, "hello")
	if _, ok := cfg["DATABASE_URL"]; ok || len(engine.destroyed) != 1 {
		t.Errorf("after destroy: config %v, destroyed %v", cfg, engine.destroyed)
	}
	if _, err := f.p.Addon(ctx, a.Name, false); !errors.Is(err, releases.ErrNotFound) {
		t.Errorf("destroyed add-on found: %v", err)
	}

	// The app's destroy takes its add-ons along.
	if err := f.p.DestroyApp(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	if all, _ := f.p.Addons(ctx, ""); len(all) != 0 || len(engine.running) != 0 {
		t.Errorf("after the app's destroy: %+v, running %v", all, engine.running)
	}
}

// A service that does not start leaves no record and no config var.
func TestAddonProvisionFailure(t *testing.T) {
	f := newFixture(t, 10)
	f.p.SetAddons(&fakeAddons{fail: errBoom})
	f.createApp(t, "hello")
	ctx := context.Background()
	if _, err := f.p.CreateAddon(ctx, "hello", api.AddonRequest{Plan: "redis"}, "ada"); !errors.Is(err, errBoom) {
		t.Fatalf("CreateAddon = %v", err)
	}
	if all, _ := f.p.Addons(ctx, ""); len(all) != 0 {
		t.Errorf("add-ons after a failure: %+v", all)
	}
	if cfg, _ := f.p.Config(ctx, "hello"); len(cfg) != 0 {
		t.Errorf("config after a failure: %v", cfg)
	}
}

// Dump writes the add-on's "database", Restore reads one back.
func (f *fakeAddons) Dump(_ context.Context, a releases.Addon, w io.Writer) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		_, _ = io.WriteString(w, "partial")
		return f.fail
	}
	_, err := io.WriteString(w, "dump of "+f.data[a.Name])
	return err
}

func (f *fakeAddons) Restore(_ context.Context, a releases.Addon, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data[a.Name] = strings.TrimPrefix(string(b), "dump of ")
	return nil
}

// Backups: captured, listed, kept to the newest BackupKeep, downloaded,
// restored; a failed one is not kept; a schedule takes one a day.
func TestBackups(t *testing.T) {
	f := newFixture(t, 10)
	engine := &fakeAddons{data: map[string]string{}}
	f.p.SetAddons(engine)
	f.p.opts.BackupKeep = 2
	f.createApp(t, "hello")
	ctx := context.Background()
	a, err := f.p.CreateAddon(ctx, "hello", api.AddonRequest{Plan: "postgres"}, "ada")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"one", "two", "three"} {
		engine.data[a.Name] = v
		if _, err := f.p.CaptureBackup(ctx, a.Name); err != nil {
			t.Fatal(err)
		}
	}
	bs, err := f.p.Backups(ctx, a.Name)
	if err != nil || len(bs) != 2 || bs[0].ID != "b2" || bs[1].ID != "b3" || bs[1].Size != int64(len("dump of three")) {
		t.Fatalf("Backups = %+v, %v", bs, err)
	}
	engine.fail = errBoom
	if _, err := f.p.CaptureBackup(ctx, a.Name); !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "none was recorded") {
		t.Errorf("failed capture = %v", err)
	}
	engine.fail = nil
	if bs, _ := f.p.Backups(ctx, a.Name); len(bs) != 2 {
		t.Errorf("a failed backup counted: %+v", bs)
	}
	rc, b, err := f.p.OpenBackup(ctx, a.Name, "latest")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if b.ID != "b3" || string(body) != "dump of three" {
		t.Errorf("download of latest = %s %q", b.ID, body)
	}
	engine.data[a.Name] = "gone"
	if _, err := f.p.RestoreBackup(ctx, a.Name, "b2"); err != nil || engine.data[a.Name] != "two" {
		t.Errorf("restore of b2: %v, data %q", err, engine.data[a.Name])
	}
	if _, err := f.p.RestoreBackup(ctx, a.Name, "b1"); !errors.Is(err, releases.ErrNotFound) {
		t.Errorf("restore of a pruned backup: %v", err)
	}
	if _, err := f.p.SetBackupSchedule(ctx, a.Name, "25:00"); !errors.Is(err, releases.ErrInvalid) {
		t.Errorf("schedule at 25:00: %v", err)
	}
	if _, err := f.p.SetBackupSchedule(ctx, a.Name, "02:00"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	f.p.backupDue(time.Date(now.Year(), now.Month(), now.Day(), 1, 59, 0, 0, time.UTC))
	if bs, _ := f.p.Backups(ctx, a.Name); bs[len(bs)-1].Scheduled {
		t.Error("a scheduled backup before its time")
	}
	later := time.Date(now.Year(), now.Month(), now.Day(), 2, 1, 0, 0, time.UTC)
	f.p.backupDue(later)
	f.p.backupDue(later.Add(time.Minute)) // once a day
	bs, _ = f.p.Backups(ctx, a.Name)
	if !bs[len(bs)-1].Scheduled || bs[len(bs)-1].ID != "b4" {
		t.Errorf("backups after the schedule's time = %+v", bs)
	}
	redis, err := f.p.CreateAddon(ctx, "hello", api.AddonRequest{Plan: "redis"}, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.CaptureBackup(ctx, redis.Name); !errors.Is(err, releases.ErrInvalid) {
		t.Errorf("backup of Redis: %v", err)
	}
}
