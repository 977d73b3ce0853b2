package runner

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

func TestRestore(t *testing.T) {
	r, be, rt, ev := newTestRunner(t, Options{})
	be.add(existing("shop-v2", "shop", 2, "web.1", true))        // current: adopt
	be.add(existing("shop-worker", "shop", 2, "worker.1", true)) // current: adopt
	be.add(existing("shop-v1", "shop", 1, "web.1", true))        // older release: remove
	be.add(existing("shop-web2", "shop", 2, "web.2", true))      // extra index: remove
	be.add(existing("shop-clock", "shop", 2, "clock.1", true))   // not in the formation: remove
	be.add(existing("blog-dead", "blog", 3, "web.1", false))     // current but exited: replace
	be.add(existing("gone-v1", "gone", 1, "web.1", true))        // app not in the list: remove
	attached := existing("shop-run", "shop", 2, "run.1", true)   // its caller went with the old daemon: remove
	attached.Labels[LabelOneOff] = oneOffAttached
	be.add(attached)
	detached := existing("shop-detached", "shop", 2, "run.2", true) // removes itself when done: keep
	detached.Labels[LabelOneOff] = oneOffDetached
	detached.AutoRemove = true
	be.add(detached)
	foreign := existing("foreign", "shop", 2, "web.1", true)
	foreign.Labels[LabelDaemon] = "daemon-b"
	be.add(foreign)
	unlabelled := existing("unlabelled", "shop", 2, "web.1", true)
	delete(unlabelled.Labels, LabelDaemon)
	be.add(unlabelled)
	addon := existing("addon", "", 0, "", true) // this daemon's, and no app's process
	addon.Labels = map[string]string{LabelDaemon: addon.Labels[LabelDaemon], "paas.addon": "postgres-1"}
	be.add(addon)

	err := r.Restore(context.Background(), []Spec{
		spec(release("shop", 2), "web=1 worker=1"), spec(release("blog", 3), "web=1"), spec(release("idle", 1), "web=1"),
	})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}

	want := []string{"addon", "foreign", "new1", "new2", "shop-detached", "shop-v2", "shop-worker", "unlabelled"}
	if got := be.ids(); !slices.Equal(got, want) {
		t.Errorf("containers = %v, want %v", got, want)
	}
	for _, id := range []string{"shop-v2", "shop-worker", "foreign", "unlabelled", "shop-detached", "addon"} {
		if ev.index("stop "+id) >= 0 || ev.index("remove "+id) >= 0 {
			t.Errorf("touched %s: %v", id, ev.all())
		}
	}
	if routes, _ := rt.get("shop"); !slices.Equal(routes, []string{"127.0.0.1:3shop-v2"}) {
		t.Errorf("shop routes = %v, want the adopted container", routes)
	}
	for _, app := range []string{"blog", "idle"} {
		routes, _ := rt.get(app)
		c := be.byLabel(app)
		if len(routes) != 1 || c == nil || routes[0] != c.HostAddr || c.Labels[LabelProcess] != "web.1" {
			t.Errorf("%s: routes %v, container %+v: want a new web.1, routed", app, routes, c)
		}
	}
	if _, ok := rt.get("gone"); ok {
		t.Error("routes set for an app not in the list")
	}
	procs, _ := r.Processes(context.Background(), "shop")
	var names []string
	for _, p := range procs {
		names = append(names, p.Name+" "+p.State+" "+p.ContainerID)
	}
	if want := []string{"run.2 up shop-detached", "web.1 up shop-v2", "worker.1 up shop-worker"}; !slices.Equal(names, want) {
		t.Errorf("Processes = %q, want %q", names, want)
	}
}

func TestRestoreBootFailureLeavesCrashedSlot(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{BootTimeout: time.Second})
	// A crash between cut-over and the ledger's update leaves v3 running
	// while the ledger's current release is still v2.
	be.add(existing("shop-v3", "shop", 3, "web.1", true))
	be.boot = func(c *Container) { c.Running, c.ExitCode = false, 1 }

	err := r.Restore(context.Background(), []Spec{spec(release("shop", 2), "web=1")})
	if !errors.Is(err, ErrExited) {
		t.Fatalf("Restore error = %v, want ErrExited", err)
	}
	if got := be.ids(); len(got) != 0 {
		t.Errorf("containers = %v, want none: v3 is not the current release", got)
	}
	if routes, _ := rt.get("shop"); len(routes) != 0 {
		t.Errorf("routes = %v", routes)
	}
	if p := process(t, r, "shop", "web.1"); p.State != StateCrashed || p.Release != 2 {
		t.Errorf("web.1 = %+v, want crashed, for the supervisor to retry", p)
	}
}

func TestRestoreTwiceAdoptsItsOwn(t *testing.T) {
	r, be, _, ev := newTestRunner(t, Options{})
	sp := spec(release("shop", 2), "web=2")
	if err := r.Deploy(context.Background(), sp, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Restore(context.Background(), []Spec{sp}); err != nil {
		t.Fatal(err)
	}
	if ev.index("stop") >= 0 || !slices.Equal(be.ids(), []string{"new1", "new2"}) {
		t.Errorf("a second restore replaced containers: %v", ev.all())
	}
}

func TestDiff(t *testing.T) {
	rel := releases.Release{App: "shop", Version: 2}
	web1 := []instance{newInstance("web", 1)}
	older := existing("older", "shop", 2, "web.1", true)
	newer := existing("newer", "shop", 2, "web.1", true)
	newer.StartedAt = older.StartedAt.Add(time.Minute)
	tests := []struct {
		name                string
		actual              []Container
		keep, remove, start []string
	}{
		{"nothing runs", nil, nil, nil, []string{"web.1"}},
		{"current runs", []Container{existing("a", "shop", 2, "web.1", true)}, []string{"a"}, nil, nil},
		{"current exited", []Container{existing("a", "shop", 2, "web.1", false)}, nil, []string{"a"}, []string{"web.1"}},
		{"old release", []Container{existing("a", "shop", 1, "web.1", true)}, nil, []string{"a"}, []string{"web.1"}},
		{"duplicate keeps newer", []Container{older, newer}, []string{"newer"}, []string{"older"}, nil},
		{"extra process", []Container{existing("a", "shop", 2, "web.1", true), existing("b", "shop", 2, "web.2", true)}, []string{"a"}, []string{"b"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := diff(rel, web1, tt.actual)
			ids := func(cs []Container) (out []string) {
				for _, c := range cs {
					out = append(out, c.ID)
				}
				return out
			}
			var start []string
			for _, in := range p.start {
				start = append(start, in.Process)
			}
			if !slices.Equal(ids(p.keep), tt.keep) || !slices.Equal(ids(p.remove), tt.remove) || !slices.Equal(start, tt.start) {
				t.Errorf("diff = keep %v remove %v start %v, want keep %v remove %v start %v",
					ids(p.keep), ids(p.remove), start, tt.keep, tt.remove, tt.start)
			}
		})
	}
}

func TestParseProcess(t *testing.T) {
	for name, want := range map[string]instance{
		"web.2":      {Type: "web", Index: 2},
		"web.10":     {Type: "web", Index: 10},
		"my.queue.3": {Type: "my.queue", Index: 3},
		"web":        {Type: "web"},
		"web.x":      {Type: "web.x"},
	} {
		typ, idx := parseProcess(name)
		if typ != want.Type || idx != want.Index {
			t.Errorf("parseProcess(%q) = %q, %d; want %q, %d", name, typ, idx, want.Type, want.Index)
		}
	}
}
