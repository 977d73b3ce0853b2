package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
)

// drainStore keeps drains in memory and refuses the way the log collector
// does, hiding passwords in the URLs it shows.
type drainStore struct {
	mu      sync.Mutex
	drains  []api.Drain
	full    map[string]string // by ID: the URL as given
	added   []string
	removed []string
}

func (s *drainStore) AppExists(_ context.Context, app string) (bool, error) {
	return app == "hello", nil
}

func (s *drainStore) Drains(context.Context, string) ([]api.Drain, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.drains), nil
}

func (s *drainStore) AddDrain(_ context.Context, _, url string) (api.Drain, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.added = append(s.added, url)
	if !strings.HasPrefix(url, "syslog+") && !strings.HasPrefix(url, "https://") {
		return api.Drain{}, &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDInvalid,
			Message: "drain URL has an unsupported scheme: use syslog+tls://HOST:PORT, syslog+tcp://HOST:PORT or https://HOST[:PORT]/PATH"}
	}
	for id, u := range s.full {
		if u == url {
			return api.Drain{}, &api.Error{StatusCode: http.StatusConflict, ID: api.IDConflict, Message: "hello has a drain there already: " + id}
		}
	}
	d := api.Drain{ID: fmt.Sprintf("d.%08x", len(s.added)), URL: strings.Replace(url, "ada:s3cret", "xxxxx", 1)}
	s.full[d.ID] = url
	s.drains = append(s.drains, d)
	return d, nil
}

func (s *drainStore) RemoveDrain(_ context.Context, _, idOrURL string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removed = append(s.removed, idOrURL)
	i := slices.IndexFunc(s.drains, func(d api.Drain) bool { return d.ID == idOrURL || s.full[d.ID] == idOrURL })
	if i < 0 {
		return &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound, Message: "hello has no drain " + idOrURL}
	}
	s.drains = slices.Delete(s.drains, i, i+1)
	return nil
}

// startDrainsDaemon serves the API with the drains routes, registered after
// the others as paasd does, and points paasctl at it.
func startDrainsDaemon(t *testing.T) *drainStore {
	t.Helper()
	isolate(t)
	s := &drainStore{full: map[string]string{}}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := mux.NewRouter()
	p := apiservertest.NewPlatform("hello")
	apiserver.Register(r, p, logger)
	apiserver.RegisterDrains(r, s, p, logger)
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	t.Setenv(envToken, testToken)
	return s
}

// drainsctl runs paasctl in-process, through the root command once it has
// the drains commands, else through a root of its own.
func drainsctl(args ...string) result {
	root := newRootCommand()
	if c, _, err := root.Find([]string{"drains:add"}); err != nil || c == root {
		g := &globals{}
		root = &cobra.Command{Use: "paasctl", SilenceErrors: true, SilenceUsage: true}
		root.PersistentFlags().StringVarP(&g.app, "app", "a", "", "app to act on")
		root.AddGroup(&cobra.Group{ID: groupApps, Title: "Apps:"})
		root.AddCommand(newDrainsCommand(g), newDrainsAddCommand(g), newDrainsRemoveCommand(g))
	}
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(""))
	root.SetOut(&out)
	root.SetErr(&errOut)
	code := 0
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintf(&errOut, "paasctl: %s\n", describe(err))
		code = 1
	}
	return result{out.String(), errOut.String(), code}
}

func TestDrainsLifecycle(t *testing.T) {
	s := startDrainsDaemon(t)

	if got, want := drainsctl("drains", "-a", "hello").mustSucceed(t), "hello has no drains: add one with paasctl drains:add URL -a hello\n"; got != want {
		t.Errorf("no drains: %q, want %q", got, want)
	}
	if got := drainsctl("drains", "-a", "hello", "--json").mustSucceed(t); got != "[]\n" {
		t.Errorf("no drains as JSON: %q", got)
	}

	got := drainsctl("drains:add", "syslog+tls://logs.example.com:6514", "-a", "hello").mustSucceed(t)
	if want := "Adding a log drain to hello... done, d.00000001 syslog+tls://logs.example.com:6514\n"; got != want {
		t.Errorf("drains:add printed %q, want %q", got, want)
	}
	got = drainsctl("drains:add", "https://ada:s3cret@collector.example.com/in", "-a", "hello").mustSucceed(t)
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "done, d.00000002 https://xxxxx@collector.example.com/in") {
		t.Errorf("drains:add printed %q", got)
	}

	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	s.mu.Lock()
	s.drains[0].Connected, s.drains[0].Sent = true, 1234
	s.drains[1].Queued, s.drains[1].Sent, s.drains[1].Dropped = 10000, 50, 420
	s.drains[1].LastError, s.drains[1].LastErrorAt = "POST https://xxxxx@collector.example.com/in: connection refused", &at
	s.mu.Unlock()
	got = drainsctl("drains", "-a", "hello").mustSucceed(t)
	want := "=== hello Drains\n" +
		"ID          URL                                     STATUS        QUEUED  SENT  DROPPED  LAST ERROR\n" +
		"d.00000002  https://xxxxx@collector.example.com/in  disconnected  10000   50    420      2026-11-26T09:00:00Z POST https://xxxxx@collector.example.com/in: connection refused\n" +
		"d.00000001  syslog+tls://logs.example.com:6514      connected     0       1234  0        -\n"
	if got != want {
		t.Errorf("drains printed\n%s\nwant\n%s", got, want)
	}
	var listed []api.Drain
	if err := json.Unmarshal([]byte(drainsctl("drains", "-a", "hello", "--json").mustSucceed(t)), &listed); err != nil ||
		len(listed) != 2 || listed[0].Dropped != 420 || !listed[0].LastErrorAt.Equal(at) || listed[0].Token != "d.00000002" {
		t.Errorf("--json: %+v (%v)", listed, err)
	}

	got = drainsctl("drains:remove", "d.00000001", "-a", "hello").mustSucceed(t)
	if want := "Removing log drain d.00000001 from hello... done\n"; got != want {
		t.Errorf("drains:remove printed %q, want %q", got, want)
	}
	got = drainsctl("drains:remove", "https://ada:s3cret@collector.example.com/in", "-a", "hello").mustSucceed(t)
	if want := "Removing log drain https://ada:xxxxx@collector.example.com/in from hello... done\n"; got != want {
		t.Errorf("drains:remove printed %q, want %q", got, want)
	}
	if want := []string{"d.00000001", "https://ada:s3cret@collector.example.com/in"}; !slices.Equal(s.removed, want) {
		t.Errorf("removed %q, want %q", s.removed, want)
	}
	if got := drainsctl("drains", "-a", "hello").mustSucceed(t); !strings.Contains(got, "no drains") {
		t.Errorf("after removing both: %q", got)
	}
}

func TestDrainsRefusals(t *testing.T) {
	s := startDrainsDaemon(t)
	drainsctl("drains", "-a", "nobody").mustFail(t, `app "nobody": not found`, "paasctl apps")
	drainsctl("drains:add", "syslog+tcp://x:514", "-a", "nobody").mustFail(t, `app "nobody": not found`, "paasctl apps")
	drainsctl("drains:remove", "d.1", "-a", "nobody").mustFail(t, `app "nobody": not found`, "paasctl apps")
	drainsctl("drains:add", "ftp://x", "-a", "hello").mustFail(t, "unsupported scheme", "syslog+tls://HOST:PORT")
	drainsctl("drains:add", "syslog+tcp://x:514", "-a", "hello").mustSucceed(t)
	drainsctl("drains:add", "syslog+tcp://x:514", "-a", "hello").mustFail(t, "a drain there already")
	r := drainsctl("drains:remove", "https://ada:s3cret@nowhere.example.com/", "-a", "hello")
	r.mustFail(t, "hello has no drain", "paasctl drains -a hello lists its drains")
	if strings.Contains(r.stdout, "s3cret") {
		t.Errorf("drains:remove echoed a password: %q", r.stdout)
	}
	drainsctl("drains:add", "-a", "hello").mustFail(t, "missing URL")
	drainsctl("drains:add", "a", "b", "-a", "hello").mustFail(t, "too many arguments")
	drainsctl("drains:remove", "-a", "hello").mustFail(t, "missing URL|ID")
	drainsctl("drains", "extra", "-a", "hello").mustFail(t, "extra")
	drainsctl("drains").mustFail(t, "no app specified")
	if len(s.added) != 3 {
		t.Errorf("the daemon was asked to add %q", s.added)
	}
}
