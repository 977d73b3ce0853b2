package releases

import (
	"errors"
	"path/filepath"
	"testing"
)

// Add-ons are kept by name, survive a reopen, and go when removed.
func TestAddons(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paas.db")
	s, err := OpenWithKey(path, testKey, true)
	if err != nil {
		t.Fatal(err)
	}
	a := Addon{ID: NewID(), Name: "postgres-1", Service: "postgres", AppID: "app-1", Password: "pw",
		Attachments: []Attachment{{AppID: "app-1", Name: "DATABASE"}}}
	if _, err := s.AddAddon(a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAddon(a); !errors.Is(err, ErrExists) {
		t.Errorf("second add of a name: %v", err)
	}
	if _, err := s.UpdateAddon("postgres-1", func(x *Addon) error {
		x.Attachments = append(x.Attachments, Attachment{AppID: "app-2", Name: "SHARED"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = OpenWithKey(path, testKey, false); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Addon("postgres-1")
	if at, ok := got.AttachedTo("app-2"); err != nil || !ok || at.Name != "SHARED" || got.Password != "pw" {
		t.Errorf("Addon = %+v, %v", got, err)
	}
	if err := s.RemoveAddon("postgres-1"); err != nil {
		t.Fatal(err)
	}
	if all, err := s.Addons(); err != nil || len(all) != 0 {
		t.Errorf("Addons after remove = %+v, %v", all, err)
	}
	if err := s.RemoveAddon("postgres-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
}
