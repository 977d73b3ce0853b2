package releases

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeDomain(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	tests := []struct {
		in, platform string
		want         string // "" means refused
		rule         string // what the refusal says
	}{
		{"www.example.com", "", "www.example.com", ""},
		{"WWW.Example.COM", "", "www.example.com", ""},
		{"www.example.com.", "", "www.example.com", ""},
		{"example.com", "", "example.com", ""},
		{"a-b.x1.example.co.uk", "", "a-b.x1.example.co.uk", ""},
		{"1password.com", "", "1password.com", ""},
		{"*.example.com", "", "*.example.com", ""},
		{"*.EXAMPLE.com", "", "*.example.com", ""},
		{long63 + ".com", "", long63 + ".com", ""},
		{"www.example.com", "localhost", "www.example.com", ""},
		{"apps.example.com", "apps.example.com.dev", "apps.example.com", ""},
		{"*.example.com", "apps.example.com", "*.example.com", ""}, // matches only apps.example.com, which serves no app

		{"", "", "", "give a host name"},
		{".", "", "", "give a host name"},
		{"localhost", "", "", "at least two labels"},
		{"com", "", "", "at least two labels"},
		{"*.com", "", "", "a wildcard needs at least two labels"},
		{"*", "", "", "whole first label"},
		{"*.*.example.com", "", "", "whole first label"},
		{"www.*.example.com", "", "", "whole first label"},
		{"w*.example.com", "", "", "whole first label"},
		{"*example.com", "", "", "whole first label"},
		{"a..example.com", "", "", "empty label"},
		{".example.com", "", "", "empty label"},
		{"-a.example.com", "", "", "starts or ends with a dash"},
		{"a-.example.com", "", "", "starts or ends with a dash"},
		{"a_b.example.com", "", "", `has '_'`},
		{"www.exa mple.com", "", "", `has ' '`},
		{"www.example.com:8080", "", "", `has ':'`},
		{"http://www.example.com", "", "", `has ':'`},
		{"www.example.com/x", "", "", `has '/'`},
		{"ünicode.example.com", "", "", "use letters, digits and dashes"},
		{strings.Repeat("a", 64) + ".com", "", "", "at most 63"},
		{strings.Repeat(long63+".", 4) + "com", "", "", "at most 253"},
		{"127.0.0.1", "", "", "IP address"},
		{"10.1.2.3", "", "", "IP address"},
		{"::1", "", "", "IP address"},
		{"[::1]", "", "", "at least two labels"},
		{"1.2.3", "", "", "all digits"},
		{"*.1.2.3", "", "", "all digits"},
		{"hello.localhost", "localhost", "", "platform's own domain localhost"},
		{"a.b.localhost", "localhost", "", "platform's own domain"},
		{"*.localhost.", "localhost", "", "at least two labels"},
		{"HELLO.Apps.Example.com", "apps.example.com", "", "platform's own domain apps.example.com"},
		{"apps.example.com", "Apps.Example.com.", "", "platform's own domain"},
		{"*.apps.example.com", "apps.example.com", "", "platform's own domain"},
		{"*.x.apps.example.com", "apps.example.com", "", "platform's own domain"},
	}
	for _, tt := range tests {
		t.Run(tt.in+"/"+tt.platform, func(t *testing.T) {
			got, err := NormalizeDomain(tt.in, tt.platform)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Fatalf("= %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.rule) {
				t.Fatalf("= %q, %v; want ErrInvalid saying %q", got, err, tt.rule)
			}
			if !strings.HasPrefix(err.Error(), "invalid domain ") {
				t.Errorf("error %q does not read as a sentence", err)
			}
		})
	}
}

func TestDomains(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	newApp(t, s, "other")
	if ds, err := s.Domains("hello"); err != nil || ds == nil || len(ds) != 0 {
		t.Fatalf("new app domains = %#v, %v; want empty, not nil", ds, err)
	}
	for _, d := range []string{"WWW.example.com", "*.example.com", "api.example.com."} {
		if _, err := s.AddDomain("hello", d); err != nil {
			t.Fatalf("AddDomain(%s): %v", d, err)
		}
	}
	ds, err := s.AddDomain("other", "shop.example.org")
	if err != nil || !slices.Equal(ds, []string{"shop.example.org"}) {
		t.Fatalf("AddDomain to other = %v, %v", ds, err)
	}
	want := []string{"*.example.com", "api.example.com", "www.example.com"}
	if ds, err := s.Domains("hello"); err != nil || !slices.Equal(ds, want) {
		t.Fatalf("Domains = %v, %v; want %v", ds, err, want)
	}
	all, err := s.AllDomains()
	wantAll := map[string]string{"*.example.com": "hello", "api.example.com": "hello", "www.example.com": "hello", "shop.example.org": "other"}
	if err != nil || !maps.Equal(all, wantAll) {
		t.Fatalf("AllDomains = %v, %v", all, err)
	}

	ds, err = s.RemoveDomain("hello", "API.example.com")
	if err != nil || !slices.Equal(ds, []string{"*.example.com", "www.example.com"}) {
		t.Fatalf("RemoveDomain = %v, %v", ds, err)
	}
	if _, err := s.RemoveDomain("hello", "api.example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing it again: %v, want ErrNotFound", err)
	}
	if _, err := s.RemoveDomain("hello", "shop.example.org"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "used by app other") {
		t.Errorf("removing another app's domain: %v, want ErrNotFound naming the owner", err)
	}
	if ds, _ := s.Domains("other"); !slices.Equal(ds, []string{"shop.example.org"}) {
		t.Errorf("another app's failed removal changed its domains: %v", ds)
	}
	if _, err := s.RemoveDomain("hello", "bad_domain.com"); !errors.Is(err, ErrInvalid) {
		t.Errorf("removing an invalid name: %v, want ErrInvalid", err)
	}
}

func TestDomainBelongsToOneApp(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	newApp(t, s, "other")
	if _, err := s.AddDomain("hello", "www.example.com"); err != nil {
		t.Fatal(err)
	}
	_, err := s.AddDomain("other", "WWW.EXAMPLE.COM")
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "already used by app hello") {
		t.Fatalf("taking hello's domain: %v, want ErrExists naming hello", err)
	}
	if _, err := s.AddDomain("hello", "www.example.com"); !errors.Is(err, ErrExists) {
		t.Fatalf("adding it twice: %v, want ErrExists", err)
	}
	// A wildcard is a name of its own: it may belong to another app, and the
	// router lets the exact name win.
	if _, err := s.AddDomain("other", "*.example.com"); err != nil {
		t.Fatalf("wildcard over another app's exact domain: %v", err)
	}
	if ds, _ := s.Domains("other"); !slices.Equal(ds, []string{"*.example.com"}) {
		t.Fatalf("other's domains = %v", ds)
	}
	if _, err := s.RemoveDomain("hello", "www.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddDomain("other", "www.example.com"); err != nil {
		t.Fatalf("a released domain cannot be taken: %v", err)
	}
}

func TestDomainsOfMissingApp(t *testing.T) {
	s := newStore(t)
	if _, err := s.Domains("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Domains: %v", err)
	}
	if _, err := s.AddDomain("nope", "www.example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AddDomain: %v", err)
	}
	if all, _ := s.AllDomains(); len(all) != 0 {
		t.Errorf("a failed add stored %v", all)
	}
	if _, err := s.RemoveDomain("nope", "www.example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RemoveDomain: %v", err)
	}
	if _, err := s.AddDomain("hello", "localhost"); !errors.Is(err, ErrInvalid) {
		t.Errorf("AddDomain checks the name before the app: %v", err)
	}
}

func TestDestroyAppRemovesDomains(t *testing.T) {
	s := newStore(t)
	newApp(t, s, "hello")
	newApp(t, s, "other")
	s.AddDomain("hello", "www.example.com")
	s.AddDomain("hello", "*.example.com")
	s.AddDomain("other", "shop.example.org")
	if err := s.DestroyApp("hello"); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.AllDomains(); !maps.Equal(all, map[string]string{"shop.example.org": "other"}) {
		t.Fatalf("after destroy AllDomains = %v", all)
	}
	if _, err := s.AddDomain("other", "www.example.com"); err != nil {
		t.Fatalf("a destroyed app's domain stays taken: %v", err)
	}
	newApp(t, s, "hello")
	if ds, _ := s.Domains("hello"); len(ds) != 0 {
		t.Fatalf("a re-created app inherited domains %v", ds)
	}
}

func TestDomainsPersistAcrossReopen(t *testing.T) {
	path := t.TempDir() + "/paas.db"
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	newApp(t, s, "hello")
	if _, err := s.AddDomain("hello", "www.example.com"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ds, err := s.Domains("hello"); err != nil || !slices.Equal(ds, []string{"www.example.com"}) {
		t.Fatalf("after reopen Domains = %v, %v", ds, err)
	}
}
