package logplex

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// apps of a backlog's lines, to check they carry the stream's name.
func lineApps(lines []Line) []string {
	var out []string
	for _, l := range lines {
		if !slices.Contains(out, l.App) {
			out = append(out, l.App)
		}
	}
	return out
}

func TestRenameMovesHistory(t *testing.T) {
	dir := t.TempDir()
	p := newLogplex(t, Options{Dir: dir})
	for i := range 3 {
		p.Publish(Line{App: "old", Source: SourceApp, Process: "web.1", Message: "line " + strconv.Itoa(i)})
	}
	p.Publish(Line{App: "other", Source: SourceApp, Process: "web.1", Message: "another app"})
	before := backlog(p, "old")

	if err := p.Rename("old", "new"); err != nil {
		t.Fatal(err)
	}
	got := backlog(p, "new")
	if !slices.Equal(messages(got), messages(before)) {
		t.Fatalf("new holds %v, want %v", messages(got), messages(before))
	}
	for i := range got {
		if !got[i].Time.Equal(before[i].Time) || got[i].Source != before[i].Source || got[i].Process != before[i].Process {
			t.Errorf("line %d moved as %+v, was %+v", i, got[i], before[i])
		}
	}
	if apps := lineApps(got); !slices.Equal(apps, []string{"new"}) {
		t.Errorf("moved lines carry the apps %v", apps)
	}
	if n := len(backlog(p, "old")); n != 0 {
		t.Errorf("old has %d lines after the rename", n)
	}
	if _, err := os.Stat(filepath.Join(dir, spoolFile("old"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old's spool is still there: %v", err)
	}
	p.Publish(Line{App: "new", Source: SourcePaas, Process: "api", Message: "renamed"})
	if got := backlog(p, "new"); len(got) != 4 || got[3].App != "new" || got[3].Message != "renamed" {
		t.Errorf("after a new line new holds %+v", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	p = newLogplex(t, Options{Dir: dir})
	want := append(messages(before), "renamed")
	if got := backlog(p, "new"); !slices.Equal(messages(got), want) || !slices.Equal(lineApps(got), []string{"new"}) {
		t.Errorf("after a restart new holds %+v, want %v", got, want)
	}
	if n := len(backlog(p, "old")); n != 0 {
		t.Errorf("after a restart old has %d lines", n)
	}
	if got := messages(backlog(p, "other")); !slices.Equal(got, []string{"another app"}) {
		t.Errorf("the rename touched another app: %v", got)
	}
}

func TestRenameMovesDrains(t *testing.T) {
	dir := t.TempDir()
	c := &httpCollector{}
	web := httptest.NewServer(c) // loopback
	t.Cleanup(web.Close)
	srv := startSyslogServer(t, listenTCP(t, "127.0.0.1:0"), false)
	p := newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	fastDrains(p)
	httpDrain, err := p.AddDrain("old", web.URL+"/in")
	if err != nil {
		t.Fatal(err)
	}
	syslogDrain, err := p.AddDrain("old", "syslog+tcp://"+srv.addr())
	if err != nil {
		t.Fatal(err)
	}
	other, err := p.AddDrain("other", web.URL+"/other")
	if err != nil {
		t.Fatal(err)
	}
	p.Publish(Line{App: "old", Source: SourceApp, Process: "web.1", Message: "before the rename"})

	if err := p.Rename("old", "new"); err != nil {
		t.Fatal(err)
	}
	p.Publish(Line{App: "new", Source: SourceApp, Process: "web.1", Message: "after the rename"})
	ids := func(app string) []string {
		var out []string
		for _, d := range p.Drains(app) {
			out = append(out, d.ID+" "+d.URL)
		}
		return out
	}
	want := []string{httpDrain.ID + " " + httpDrain.URL, syslogDrain.ID + " " + syslogDrain.URL}
	if got := ids("new"); !slices.Equal(got, want) {
		t.Errorf("new's drains %v, want %v", got, want)
	}
	if got := ids("old"); len(got) != 0 {
		t.Errorf("old keeps drains %v", got)
	}
	waitFor(t, "the line of new at the http drain", func() bool {
		return slices.ContainsFunc(c.lines(), func(l string) bool { return strings.HasSuffix(l, " app[web.1]: after the rename\n") })
	})
	// The syslog drain names the app in HOSTNAME, and sends what was
	// queued under the old name first.
	waitFor(t, "the line of new at the syslog drain", func() bool { return hasMessage(srv, "after the rename") })
	msgs := srv.messages()
	i := slices.IndexFunc(msgs, func(m string) bool { return strings.HasSuffix(m, " - - before the rename") })
	j := slices.IndexFunc(msgs, func(m string) bool { return strings.HasSuffix(m, " - - after the rename") })
	if i < 0 || i > j || strings.Fields(msgs[i])[2] != "old" || strings.Fields(msgs[j])[2] != "new" {
		t.Errorf("syslog messages %q", msgs)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	b, err := os.ReadFile(filepath.Join(dir, drainsFile))
	if err != nil {
		t.Fatal(err)
	}
	var content drainsFileContent
	if err := json.Unmarshal(b, &content); err != nil {
		t.Fatal(err)
	}
	for _, r := range content.Drains {
		if r.App == "old" {
			t.Errorf("the drains file keeps %+v under old", r)
		}
	}
	p = newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	if got := ids("new"); !slices.Equal(got, want) {
		t.Errorf("after a restart new's drains are %v, want %v", got, want)
	}
	if got := ids("old"); len(got) != 0 {
		t.Errorf("after a restart old has drains %v", got)
	}
	if got := ids("other"); !slices.Equal(got, []string{other.ID + " " + other.URL}) {
		t.Errorf("other's drains %v", got)
	}
	p.Publish(Line{App: "new", Source: SourceApp, Process: "web.1", Message: "after the restart"})
	waitFor(t, "the line of new after a restart", func() bool { return hasMessage(srv, "after the restart") })
}

func TestRenameForgetsOld(t *testing.T) {
	dir := t.TempDir()
	docker := newFakeDocker()
	p := newLogplex(t, Options{Dir: dir, Docker: docker})
	docker.write("c1", false, "from the container\n")
	p.ProcessStarted("old", "web.1", "c1")
	waitFor(t, "the container's line", func() bool { return len(backlog(p, "old")) == 1 })

	if err := p.Rename("old", "new"); err != nil {
		t.Fatal(err)
	}
	if !p.Forgotten("old") || p.Forgotten("new") {
		t.Errorf("forgotten: old %v, new %v", p.Forgotten("old"), p.Forgotten("new"))
	}
	// The caller stops old's containers first; one still followed is not
	// followed any more all the same.
	waitFor(t, "the collector to stop", func() bool { return following(p) == 0 })
	docker.write("c1", false, "late, from the container\n")
	p.Platform("old", "build", "late, from a build")
	if n := len(backlog(p, "old")); n != 0 {
		t.Errorf("a renamed app's old name has %d lines", n)
	}
	if got := messages(backlog(p, "new")); !slices.Equal(got, []string{"from the container"}) {
		t.Errorf("new holds %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, spoolFile("old"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a late line of the old name made it a spool: %v", err)
	}

	// apps:create of the old name.
	p.Know("old")
	p.Platform("old", "api", "app created")
	if got := messages(backlog(p, "old")); !slices.Equal(got, []string{"app created"}) {
		t.Errorf("the new app of the old name holds %v", got)
	}
	if got := p.Drains("old"); len(got) != 0 {
		t.Errorf("the new app of the old name has drains %v", got)
	}
}

func TestRenameEndsTailsOfOld(t *testing.T) {
	p := newLogplex(t, Options{})
	p.Publish(Line{App: "old", Source: SourceApp, Process: "web.1", Message: "one"})
	_, oldTail := p.Tail(context.Background(), "old", Filter{}, 0, true)
	if err := p.Rename("old", "new"); err != nil {
		t.Fatal(err)
	}
	receiveClosed(t, oldTail)

	backlog, newTail := p.Tail(context.Background(), "new", Filter{}, 10, true)
	if !slices.Equal(messages(backlog), []string{"one"}) {
		t.Errorf("new's backlog %v", messages(backlog))
	}
	p.Publish(Line{App: "new", Source: SourceApp, Process: "web.1", Message: "two"})
	if got := receive(t, newTail, 1); got[0].Message != "two" || got[0].App != "new" {
		t.Errorf("new's tail got %+v", got)
	}
	// A tail of the old name ends at once, like one of a destroyed app.
	_, ch := p.Tail(context.Background(), "old", Filter{}, 10, true)
	receiveClosed(t, ch)
}

// A destroyed app of the new name may have left a spool (its removal
// failed, or paasd restarted since) or be forgotten: either way the renamed
// app's history replaces what it had.
func TestRenameReplacesLeftoversOfNew(t *testing.T) {
	dir := t.TempDir()
	p := newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	fastDrains(p)
	p.Platform("new", "api", "from a destroyed app")
	if _, err := p.AddDrain("new", "https://127.0.0.1:1/leftover"); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	p = newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	fastDrains(p)
	if n := len(backlog(p, "new")); n == 0 {
		t.Fatal("the leftover spool did not load")
	}
	p.Publish(Line{App: "old", Source: SourceApp, Process: "web.1", Message: "from old"})
	if err := p.Rename("old", "new"); err != nil {
		t.Fatal(err)
	}
	if got := messages(backlog(p, "new")); !slices.Equal(got, []string{"from old"}) {
		t.Errorf("new holds %v", got)
	}
	if got := p.Drains("new"); len(got) != 0 {
		t.Errorf("new keeps the leftover drains %v", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p = newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	if got := messages(backlog(p, "new")); !slices.Equal(got, []string{"from old"}) {
		t.Errorf("after a restart new holds %v", got)
	}
	if got := p.Drains("new"); len(got) != 0 {
		t.Errorf("after a restart new has the leftover drains %v", got)
	}

	// A name destroyed since the start is known again.
	p.Forget("new")
	p.Publish(Line{App: "another", Source: SourceApp, Process: "web.1", Message: "from another"})
	if err := p.Rename("another", "new"); err != nil {
		t.Fatal(err)
	}
	if p.Forgotten("new") {
		t.Error("new is still forgotten")
	}
	p.Publish(Line{App: "new", Source: SourceApp, Process: "web.1", Message: "after"})
	if got := messages(backlog(p, "new")); !slices.Equal(got, []string{"from another", "after"}) {
		t.Errorf("new holds %v", got)
	}
}

func TestRenameOfAnAppWithNothing(t *testing.T) {
	dir := t.TempDir()
	p := newLogplex(t, Options{Dir: dir})
	p.Forget("new")
	if err := p.Rename("old", "new"); err != nil {
		t.Fatal(err)
	}
	if !p.Forgotten("old") || p.Forgotten("new") {
		t.Errorf("forgotten: old %v, new %v", p.Forgotten("old"), p.Forgotten("new"))
	}
	if _, err := os.Stat(filepath.Join(dir, drainsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a rename without drains wrote the drains file: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("the spool directory has %v", entries)
	}
	if err := p.Rename("same", "same"); err != nil || p.Forgotten("same") {
		t.Errorf("a rename to the same name: %v, forgotten %v", err, p.Forgotten("same"))
	}
}

// What cannot be saved is said, with what to do; what can be moved is.
func TestRenameFailures(t *testing.T) {
	dir := t.TempDir()
	c := &httpCollector{}
	web := httptest.NewServer(c)
	t.Cleanup(web.Close)
	p := newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	fastDrains(p)
	d, err := p.AddDrain("old", web.URL+"/in")
	if err != nil {
		t.Fatal(err)
	}
	p.Publish(Line{App: "old", Source: SourceApp, Process: "web.1", Message: "history"})
	// Neither the drains file nor new's spool can be written: in their
	// place are directories with something in them.
	for _, name := range []string{drainsFile + ".tmp", spoolFile("new")} {
		if err := os.MkdirAll(filepath.Join(dir, name, "x"), 0o700); err != nil {
			t.Fatal(err)
		}
	}

	err = p.Rename("old", "new")
	var linkErr *os.LinkError
	if err == nil || !strings.HasPrefix(err.Error(), "rename app log: ") || !errors.As(err, &linkErr) ||
		!strings.Contains(err.Error(), "save drains") || !strings.Contains(err.Error(), "adding or removing any drain saves them") ||
		!strings.Contains(err.Error(), "put its lines at the start of the second file") {
		t.Fatalf("Rename: %v", err)
	}
	if got := messages(backlog(p, "new")); len(got) != 2 || got[1] != "history" {
		t.Errorf("new holds %v", got) // the drain's note, then the line
	}
	if got := p.Drains("new"); len(got) != 1 || got[0].ID != d.ID {
		t.Errorf("new's drains %+v", got)
	}
	p.Publish(Line{App: "new", Source: SourceApp, Process: "web.1", Message: "after the rename"})
	waitFor(t, "the line of new at the drain", func() bool {
		return slices.ContainsFunc(c.lines(), func(l string) bool { return strings.HasSuffix(l, " app[web.1]: after the rename\n") })
	})

	// Once the file can be written, any drain change saves the move.
	if err := os.RemoveAll(filepath.Join(dir, drainsFile+".tmp")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddDrain("other", web.URL+"/other"); err != nil {
		t.Fatal(err)
	}
	_ = p.Close()
	p = newLogplex(t, Options{Dir: dir, AllowPrivateDrains: true})
	if got := p.Drains("new"); len(got) != 1 || got[0].ID != d.ID || len(p.Drains("old")) != 0 {
		t.Errorf("after a restart: new's drains %+v, old's %+v", got, p.Drains("old"))
	}
}

// Rename under way with lines, tails and drains coming for both names:
// run with -race.
func TestRenameWhileBusy(t *testing.T) {
	p := newLogplex(t, Options{Dir: t.TempDir(), AllowPrivateDrains: true})
	fastDrains(p)
	if _, err := p.AddDrain("old", "https://127.0.0.1:1/in"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, app := range []string{"old", "new"} {
		wg.Go(func() {
			for i := range 500 {
				p.Publish(Line{App: app, Source: SourceApp, Process: "web.1", Message: strconv.Itoa(i)})
			}
		})
		wg.Go(func() {
			for range 50 {
				_, ch := p.Tail(ctx, app, Filter{}, 10, true)
				for range ch {
				}
			}
		})
		wg.Go(func() {
			for range 50 {
				_ = p.Drains(app)
			}
		})
	}
	if err := p.Rename("old", "new"); err != nil {
		t.Error(err)
	}
	cancel() // ends the tails of new
	wg.Wait()
	if apps := lineApps(backlog(p, "new")); len(apps) > 1 || (len(apps) == 1 && apps[0] != "new") {
		t.Errorf("new's lines carry the apps %v", apps)
	}
	if n := len(backlog(p, "old")); n != 0 {
		t.Errorf("old has %d lines", n)
	}
	if got := p.Drains("new"); len(got) != 1 {
		t.Errorf("new's drains %+v", got)
	}
}
