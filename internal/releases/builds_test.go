package releases

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestAddBuildNumbersPerApp(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "one")
	newApp(t, s, "two")
	for _, step := range []struct {
		app    string
		wantID int
	}{{"one", 1}, {"one", 2}, {"two", 1}, {"one", 3}, {"two", 2}} {
		b, err := s.AddBuild(Build{App: step.app, Image: "sha256:x"})
		if err != nil {
			t.Fatal(err)
		}
		if b.ID != step.wantID {
			t.Errorf("AddBuild(%s) ID = %d, want %d", step.app, b.ID, step.wantID)
		}
		if b.CreatedAt.IsZero() {
			t.Errorf("AddBuild(%s) left CreatedAt zero", step.app)
		}
	}
}

func TestAddBuildRoundTrip(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	procs := map[string]string{"web": "serve", "worker": "work"}
	b, err := s.AddBuild(Build{
		App: "hello", Commit: "0123456789abcdef0123456789abcdef01234567",
		Image: "sha256:abc", Tag: "paas/hello:b1", Procfile: procs, CreatedAt: at,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !b.CreatedAt.Equal(at) {
		t.Errorf("CreatedAt = %v, want the given %v", b.CreatedAt, at)
	}
	procs["web"] = "changed by caller"
	got, err := s.Build("hello", b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Procfile["web"] != "serve" {
		t.Errorf("stored Procfile changed with the caller's map: %v", got.Procfile)
	}
	if !reflect.DeepEqual(got, b) {
		t.Errorf("Build = %+v, want %+v", got, b)
	}
}

func TestBuildErrors(t *testing.T) {
	s := newStore(t)
	if _, err := s.AddBuild(Build{App: "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("AddBuild for missing app: %v, want ErrNotFound", err)
	}
	newApp(t, s, "hello")
	if _, err := s.Build("hello", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Build of missing id: %v, want ErrNotFound", err)
	}
	if _, err := s.Build("nope", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Build of missing app: %v, want ErrNotFound", err)
	}
}

func TestBuildsListsOldestFirst(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "one")
	newApp(t, s, "two")
	if got, err := s.Builds("one"); err != nil || len(got) != 0 {
		t.Fatalf("Builds of an app without builds = %v, %v", got, err)
	}
	for _, img := range []string{"sha256:a", "sha256:b"} {
		if _, err := s.AddBuild(Build{App: "one", Image: img}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddBuild(Build{App: "two", Image: "sha256:other"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Builds("one")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Image != "sha256:a" || got[1].Image != "sha256:b" || got[1].ID != 2 {
		t.Fatalf("Builds(one) = %+v", got)
	}
	if _, err := s.Builds("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Builds of a missing app: %v, want ErrNotFound", err)
	}
}
