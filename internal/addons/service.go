// Package addons runs the backing services apps attach to (factor IV): a
// Postgres or a Redis per add-on, as a container with its data on a named
// volume, reached by the attached apps' processes on their private networks
// under the add-on's name, never published on the host.
package addons

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/paas-dev/paas/internal/releases"
)

// Service is a kind of add-on.
type Service struct {
	Name string // "postgres"
	// Attachment is the config var prefix of its first attachment to an
	// app: DATABASE gives DATABASE_URL.
	Attachment string
	Port       int
	// DataDir is where its volume is mounted.
	DataDir string
	// Ready is run in the container until it succeeds: the service
	// accepts connections.
	Ready []string
	// Memory caps the service container.
	Memory int64
	// ConfiguredCmd starts the service in an image the user configured
	// (PAAS_REDIS_IMAGE), which lacks paas's start script; nil: the
	// image's own command, which takes the environment env gives.
	ConfiguredCmd []string
}

// Services are the add-ons paas provisions, by name.
var Services = map[string]Service{
	"postgres": {Name: "postgres", Attachment: "DATABASE", Port: 5432, DataDir: "/var/lib/paas-postgres",
		Ready: []string{"pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"}, Memory: 512 << 20},
	"redis": {Name: "redis", Attachment: "REDIS", Port: 6379, DataDir: "/var/lib/paas-redis",
		Ready: []string{"sh", "-c", `REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 ping | grep -q PONG`}, Memory: 256 << 20,
		ConfiguredCmd: []string{"sh", "-c", redisStart}},
}

// redisStart starts redis-server as paas's own image does (its
// paas-redis): data on the volume, kept with an append-only file, and the
// password from the environment in a config file rather than in argv.
const redisStart = `set -eu
: "${REDIS_PASSWORD:?}"
conf=$(mktemp)
printf 'bind 0.0.0.0\nport 6379\nprotected-mode no\ndir /var/lib/paas-redis\nappendonly yes\nrequirepass "%s"\n' "$REDIS_PASSWORD" > "$conf"
unset REDIS_PASSWORD
exec redis-server "$conf"
`

// aliases are the names users give the services, Heroku's included.
var aliases = map[string]string{
	"postgres": "postgres", "postgresql": "postgres", "heroku-postgresql": "postgres", "pg": "postgres",
	"redis": "redis", "heroku-redis": "redis",
}

// Lookup finds a service by its name or an alias, a Heroku plan's too
// ("heroku-postgresql:mini").
func Lookup(name string) (Service, error) {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(name)), ":")
	if s, ok := aliases[base]; ok {
		return Services[s], nil
	}
	known := slices.Sorted(func(yield func(string) bool) {
		for n := range Services {
			if !yield(n) {
				return
			}
		}
	})
	return Service{}, fmt.Errorf("%w: no add-on service %q: paas provides %s", releases.ErrInvalid, name, strings.Join(known, " and "))
}

// dbName is the Postgres user and database of an add-on: its name, as an
// identifier.
func dbName(a releases.Addon) string {
	return strings.ReplaceAll(a.Name, "-", "_")
}

// URL is how an attached app's processes reach the add-on.
func URL(a releases.Addon) string {
	s := Services[a.Service]
	host := fmt.Sprintf("%s:%d", a.Name, s.Port)
	switch a.Service {
	case "postgres":
		u := url.URL{Scheme: "postgres", User: url.UserPassword(dbName(a), a.Password), Host: host, Path: "/" + dbName(a)}
		return u.String()
	case "redis":
		u := url.URL{Scheme: "redis", User: url.UserPassword("default", a.Password), Host: host}
		return u.String()
	}
	return ""
}

// env is the service container's environment: its credentials, which its
// start script moves out of argv, and, for Postgres, the data directory on
// its volume, in the names the Docker official image takes too.
func env(a releases.Addon) []string {
	switch a.Service {
	case "postgres":
		return []string{"POSTGRES_USER=" + dbName(a), "POSTGRES_PASSWORD=" + a.Password, "POSTGRES_DB=" + dbName(a),
			"PGDATA=" + Services["postgres"].DataDir + "/data"}
	case "redis":
		return []string{"REDIS_PASSWORD=" + a.Password}
	}
	return nil
}
