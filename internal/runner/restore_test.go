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
	be.add(existing("shop-v1", "shop", 1, "web.1", true))        // older release: remove
	be.add(existing("blog-dead", "blog", 3, "web.1", false))     // current but exited: replace
	be.add(existing("gone-v1", "gone", 1, "web.1", true))        // app not in the list: remove
	be.add(existing("shop-worker", "shop", 2, "worker.1", true)) // not in the formation: remove
	foreign := existing("foreign", "shop", 2, "web.1", true)
	foreign.Labels[LabelDaemon] = "daemon-b"
	be.add(foreign)
	unlabelled := existing("unlabelled", "shop", 2, "web.1", true)
	delete(unlabelled.Labels, LabelDaemon)
	be.add(unlabelled)

	err := r.Restore(context.Background(), []releases.Release{release("shop", 2), release("blog", 3), release("idle", 1)})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}

	if got, want := be.ids(), []string{"foreign", "new1", "new2", "shop-v2", "unlabelled"}; !slices.Equal(got, want) {
		t.Errorf("containers = %v, want %v", got, want)
	}
	if ev.index("start") < 0 || ev.index("stop shop-v2") >= 0 || ev.index("remove shop-v2") >= 0 {
		t.Errorf("the running current container must be adopted, not restarted: %v", ev.all())
	}
	for _, id := range []string{"foreign", "unlabelled"} {
		if ev.index("stop "+id) >= 0 || ev.index("remove "+id) >= 0 {
			t.Errorf("touched %s, which is not this daemon's: %v", id, ev.all())
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
}

func TestRestoreBootFailureKeepsWhatRuns(t *testing.T) {
	r, be, rt, _ := newTestRunner(t, Options{BootTimeout: time.Second})
	// A crash between cut-over and the ledger's update leaves v3 running
	// while the ledger's current release is still v2.
	be.add(existing("shop-v3", "shop", 3, "web.1", true))
	be.boot = func(c *Container) { c.Running, c.ExitCode = false, 1 }

	err := r.Restore(context.Background(), []releases.Release{release("shop", 2)})
	if !errors.Is(err, ErrExited) {
		t.Fatalf("Restore error = %v, want ErrExited", err)
	}
	if got := be.ids(); !slices.Equal(got, []string{"shop-v3"}) {
		t.Errorf("containers = %v, want [shop-v3]", got)
	}
	if routes, _ := rt.get("shop"); !slices.Equal(routes, []string{"127.0.0.1:3shop-v3"}) {
		t.Errorf("routes = %v, want the container that still runs", routes)
	}
}

func TestDiff(t *testing.T) {
	rel := releases.Release{App: "shop", Version: 2}
	web1 := []slot{{Type: "web", Process: "web.1"}}
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
			for _, s := range p.start {
				start = append(start, s.Process)
			}
			if !slices.Equal(ids(p.keep), tt.keep) || !slices.Equal(ids(p.remove), tt.remove) || !slices.Equal(start, tt.start) {
				t.Errorf("diff = keep %v remove %v start %v, want keep %v remove %v start %v",
					ids(p.keep), ids(p.remove), start, tt.keep, tt.remove, tt.start)
			}
		})
	}
}
