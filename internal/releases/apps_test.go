package releases

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCreateApp(t *testing.T) {
	s := newStore(t)
	a := newApp(t, s, "hello")
	if a.Name != "hello" || a.CreatedAt.IsZero() || a.CurrentVersion != 0 {
		t.Fatalf("CreateApp = %+v", a)
	}
	got, err := s.App("hello")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Errorf("App = %+v, want %+v", got, a)
	}
	if _, err := s.CreateApp("hello"); !errors.Is(err, ErrExists) {
		t.Errorf("second CreateApp error = %v, want ErrExists", err)
	}
	if _, err := s.CreateApp("../etc"); !errors.Is(err, ErrInvalid) {
		t.Errorf("CreateApp(../etc) error = %v, want ErrInvalid", err)
	}
	_, err = s.CreateApp("hello-")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "end it with a letter or digit") {
		t.Errorf("CreateApp(hello-) error = %v, want ErrInvalid saying how to end the name", err)
	}
}

func TestAppNotFound(t *testing.T) {
	s := newStore(t)
	if _, err := s.App("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("App error = %v, want ErrNotFound", err)
	}
	if err := s.DestroyApp("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DestroyApp error = %v, want ErrNotFound", err)
	}
}

func TestAppsSortedByName(t *testing.T) {
	s := newStore(t)
	if apps, err := s.Apps(); err != nil || apps == nil || len(apps) != 0 {
		t.Fatalf("Apps on empty ledger = %#v, %v; want empty, non-nil", apps, err)
	}
	for _, n := range []string{"zeta", "alpha", "mid-1", "mid"} {
		newApp(t, s, n)
	}
	apps, err := s.Apps()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range apps {
		names = append(names, a.Name)
	}
	want := []string{"alpha", "mid", "mid-1", "zeta"}
	if len(names) != len(want) {
		t.Fatalf("Apps = %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("Apps = %v, want %v", names, want)
		}
	}
}

func TestDestroyAppRemovesEverything(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	newApp(t, s, "other")
	for _, app := range []string{"hello", "other"} {
		if _, err := s.AddBuild(Build{App: app}); err != nil {
			t.Fatal(err)
		}
		appendN(t, s, app, 2)
		if err := s.SetStatus(app, 2, StatusSucceeded); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.DestroyApp("hello"); err != nil {
		t.Fatalf("DestroyApp: %v", err)
	}
	if _, err := s.App("hello"); !errors.Is(err, ErrNotFound) {
		t.Errorf("App after destroy: %v, want ErrNotFound", err)
	}
	if _, err := s.Releases("hello"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Releases after destroy: %v, want ErrNotFound", err)
	}
	if _, err := s.Build("hello", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Build after destroy: %v, want ErrNotFound", err)
	}

	// A new app of the same name starts from nothing.
	newApp(t, s, "hello")
	b, err := s.AddBuild(Build{App: "hello"})
	if err != nil || b.ID != 1 {
		t.Errorf("first build of re-created app = %d, %v; want 1", b.ID, err)
	}
	if rels := appendN(t, s, "hello", 1); rels[0].Version != 1 {
		t.Errorf("first release of re-created app = v%d, want v1", rels[0].Version)
	}
	if _, err := s.CurrentRelease("hello"); !errors.Is(err, ErrNotFound) {
		t.Errorf("CurrentRelease of re-created app: %v, want ErrNotFound", err)
	}

	// The other app is untouched.
	if rels, err := s.Releases("other"); err != nil || len(rels) != 2 {
		t.Errorf("other app's releases = %d, %v; want 2", len(rels), err)
	}
	if cur, err := s.CurrentRelease("other"); err != nil || cur.Version != 2 {
		t.Errorf("other app's current release = v%d, %v; want v2", cur.Version, err)
	}
}

func TestAppByID(t *testing.T) {
	s := newStore(t)
	a := newApp(t, s, "hello")
	newApp(t, s, "other")
	got, err := s.AppByID(a.ID)
	if err != nil || got.Name != "hello" {
		t.Fatalf("AppByID = %+v, %v", got, err)
	}
	if _, err := s.AppByID(newAppID()); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown id: %v, want ErrNotFound", err)
	}
}
