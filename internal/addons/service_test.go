package addons

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/releases"
)

func TestLookup(t *testing.T) {
	for name, want := range map[string]string{
		"postgres": "postgres", "PostgreSQL": "postgres", "heroku-postgresql:mini": "postgres", "pg": "postgres",
		"redis": "redis", "heroku-redis:premium-0": "redis",
	} {
		if s, err := Lookup(name); err != nil || s.Name != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %s", name, s, err, want)
		}
	}
	for _, bad := range []string{"", "mysql", "postgres-15", "../redis"} {
		if _, err := Lookup(bad); !errors.Is(err, releases.ErrInvalid) || !strings.Contains(err.Error(), "postgres and redis") {
			t.Errorf("Lookup(%q) = %v", bad, err)
		}
	}
}

// The URLs hold what a client library needs: host (the add-on's network
// alias), port, credentials and, for Postgres, the database.
func TestURL(t *testing.T) {
	pg := releases.Addon{Name: "postgres-1a2b3c", Service: "postgres", Password: "s3cret"}
	u, err := url.Parse(URL(pg))
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := u.User.Password(); u.Scheme != "postgres" || u.Host != "postgres-1a2b3c:5432" || u.User.Username() != "postgres_1a2b3c" || pw != "s3cret" || u.Path != "/postgres_1a2b3c" {
		t.Errorf("postgres URL = %s", u)
	}
	r, err := url.Parse(URL(releases.Addon{Name: "redis-9f8e7d", Service: "redis", Password: "pw"}))
	if err != nil || r.Scheme != "redis" || r.Host != "redis-9f8e7d:6379" {
		t.Errorf("redis URL = %v, %v", r, err)
	}
	if got := strings.Join(env(pg), " "); !strings.Contains(got, "POSTGRES_PASSWORD=s3cret") || !strings.Contains(got, "POSTGRES_DB=postgres_1a2b3c") {
		t.Errorf("env = %s", got)
	}
}
