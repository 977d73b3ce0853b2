package releases

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestFormation(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	if f, err := s.Formation("hello"); err != nil || len(f) != 0 {
		t.Fatalf("new app formation = %v, %v", f, err)
	}
	if _, err := s.UpdateFormation("hello", map[string]int{"web": 3}); err != nil {
		t.Fatal(err)
	}
	f, err := s.UpdateFormation("hello", map[string]int{"worker": 2})
	if err != nil || !reflect.DeepEqual(f, map[string]int{"web": 3, "worker": 2}) {
		t.Fatalf("formation = %v, %v", f, err)
	}
	for _, bad := range []map[string]int{{"web": -1}, {"web": MaxInstances + 1}, {"we b": 1}, {"1web": 1}} {
		if _, err := s.UpdateFormation("hello", bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("UpdateFormation(%v) err = %v, want ErrInvalid", bad, err)
		}
	}
	if f, _ := s.Formation("hello"); !reflect.DeepEqual(f, map[string]int{"web": 3, "worker": 2}) {
		t.Fatalf("refused changes altered the formation: %v", f)
	}
	if _, err := s.Formation("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("formation of a missing app: %v", err)
	}
}

func TestSettings(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	st, err := s.UpdateSettings("hello", func(st *Settings) error {
		st.HealthPath = "/health"
		st.Memory = map[string]int64{"web": 256 << 20}
		st.BootTimeout = 90 * time.Second
		return nil
	})
	if err != nil || st.HealthPath != "/health" {
		t.Fatalf("settings = %+v, %v", st, err)
	}
	if _, err := s.UpdateSettings("hello", func(st *Settings) error {
		st.HealthPath = "changed"
		return ErrInvalid
	}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("aborted update: %v", err)
	}
	got, err := s.Settings("hello")
	want := Settings{HealthPath: "/health", Memory: map[string]int64{"web": 256 << 20}, BootTimeout: 90 * time.Second}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("settings = %+v, %v; want %+v", got, err, want)
	}
}

func TestDestroyAppRemovesFormationAndSettings(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	s.UpdateFormation("hello", map[string]int{"web": 2})
	s.UpdateSettings("hello", func(st *Settings) error { st.AutoRollback = true; return nil })
	if err := s.DestroyApp("hello"); err != nil {
		t.Fatal(err)
	}
	newApp(t, s, "hello")
	f, _ := s.Formation("hello")
	st, _ := s.Settings("hello")
	if len(f) != 0 || st.AutoRollback {
		t.Fatalf("a re-created app inherited formation %v / settings %+v", f, st)
	}
}
