package apiserver

import (
	"context"
	"encoding/json"
	"errors"
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

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
	"github.com/paas-dev/paas/internal/releases"
)

// fakeDrains keeps drains in memory, refusing the way the log collector
// does: *Error with 400, 409 and 404.
type fakeDrains struct {
	mu      sync.Mutex
	apps    map[string]bool
	drains  map[string][]api.Drain
	full    map[string]string // drain ID: URL as given
	removed []string          // what RemoveDrain was given
	err     error             // every drain call fails with it, when set
	next    int
}

func newFakeDrains(apps ...string) *fakeDrains {
	s := &fakeDrains{apps: map[string]bool{}, drains: map[string][]api.Drain{}, full: map[string]string{}}
	for _, a := range apps {
		s.apps[a] = true
	}
	return s
}

func (s *fakeDrains) Drains(_ context.Context, app string) ([]api.Drain, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	return slices.Clone(s.drains[app]), nil
}

func (s *fakeDrains) AddDrain(_ context.Context, app, url string) (api.Drain, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return api.Drain{}, s.err
	}
	if !strings.Contains(url, "://") {
		return api.Drain{}, &api.Error{StatusCode: http.StatusUnprocessableEntity, ID: api.IDInvalid, Message: "drain URL has no scheme"}
	}
	for _, d := range s.drains[app] {
		if s.full[d.ID] == url {
			return api.Drain{}, &api.Error{StatusCode: http.StatusConflict, ID: api.IDConflict, Message: app + " has a drain there already"}
		}
	}
	s.next++
	d := api.Drain{ID: fmt.Sprintf("d.%08d", s.next), URL: strings.Replace(url, "s3cret", "xxxxx", 1)}
	s.full[d.ID] = url
	s.drains[app] = append(s.drains[app], d)
	return d, nil
}

func (s *fakeDrains) RemoveDrain(_ context.Context, app, idOrURL string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.removed = append(s.removed, idOrURL)
	i := slices.IndexFunc(s.drains[app], func(d api.Drain) bool { return d.ID == idOrURL || s.full[d.ID] == idOrURL })
	if i < 0 {
		return &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound, Message: app + " has no drain " + idOrURL}
	}
	s.drains[app] = slices.Delete(s.drains[app], i, i+1)
	return nil
}

// newDrainsServer serves Register's and RegisterDrains' routes, in that
// order, the way paasd does.
func newDrainsServer(t *testing.T, s DrainStore) (*api.Client, *httptest.Server) {
	c, srv, _ := newDrainsServerWith(t, s)
	return c, srv
}

func newDrainsServerWith(t *testing.T, s DrainStore) (*api.Client, *httptest.Server, *apiservertest.Platform) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := mux.NewRouter()
	p := apiservertest.NewPlatform("hello")
	Register(r, p, logger)
	RegisterDrains(r, s, p, logger)
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	t.Cleanup(srv.Close)
	return api.NewClient(srv.URL, testToken), srv, p
}

func TestDrains(t *testing.T) {
	s := newFakeDrains("hello")
	c, srv := newDrainsServer(t, s)
	ctx := context.Background()

	drains, err := c.Drains(ctx, "hello")
	if err != nil || drains == nil || len(drains) != 0 {
		t.Fatalf("no drains: %#v, %v", drains, err)
	}
	d, err := c.AddDrain(ctx, "hello", "syslog+tls://logs.example.com:6514")
	if err != nil || d.Token != "d.00000001" || !releases.IsUUID(d.ID) || d.URL != "syslog+tls://logs.example.com:6514" || d.App == nil || d.App.Name != "hello" {
		t.Fatalf("added %+v, %v", d, err)
	}
	if _, err := c.AddDrain(ctx, "hello", "https://ada:s3cret@collector.example.com/in"); err != nil {
		t.Fatal(err)
	}
	drains, err = c.Drains(ctx, "hello")
	if err != nil || len(drains) != 2 || drains[0].URL != "https://ada:xxxxx@collector.example.com/in" {
		t.Fatalf("drains %+v, %v", drains, err)
	}
	if err := c.RemoveDrain(ctx, "hello", "d.00000001"); err != nil {
		t.Fatal(err)
	}
	// A URL goes in the query, whole.
	if err := c.RemoveDrain(ctx, "hello", "https://ada:s3cret@collector.example.com/in"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"d.00000001", "https://ada:s3cret@collector.example.com/in"}; !slices.Equal(s.removed, want) {
		t.Errorf("removed %q, want %q", s.removed, want)
	}
	if drains, _ := c.Drains(ctx, "hello"); len(drains) != 0 {
		t.Errorf("left %+v", drains)
	}

	// The wire format: Heroku's fields, then paas's delivery status.
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	s.drains["hello"] = []api.Drain{
		{ID: "d.1", URL: "syslog+tcp://x:514", Queued: 3, Sent: 10, Dropped: 2, LastError: "dial tcp: refused", LastErrorAt: &at},
	}
	resp := send(t, srv, http.MethodGet, "/apps/hello/log-drains", "")
	var raw []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil || len(raw) != 1 {
		t.Fatalf("GET log-drains: %d %v %v", resp.StatusCode, raw, err)
	}
	for _, field := range []string{"id", "token", "url", "app", "addon", "created_at", "updated_at", "queued", "sent", "dropped", "last_error", "last_error_at", "connected"} {
		if _, ok := raw[0][field]; !ok {
			t.Errorf("a drain lacks %q: %v", field, raw[0])
		}
	}
	if raw[0]["token"] != "d.1" || raw[0]["addon"] != nil {
		t.Errorf("token or addon: %v", raw[0])
	}

	resp = send(t, srv, http.MethodPost, "/apps/hello/log-drains", `{"url": "syslog+tcp://y:514"}`)
	var created api.Drain
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") != "/apps/hello/log-drains/"+created.ID {
		t.Errorf("POST: %d, Location %q, %+v", resp.StatusCode, resp.Header.Get("Location"), created)
	}
	for _, ident := range []string{created.ID, created.Token} {
		resp = send(t, srv, http.MethodGet, "/apps/hello/log-drains/"+ident, "")
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET by %s: %d", ident, resp.StatusCode)
		}
	}
	resp = send(t, srv, http.MethodDelete, "/apps/hello/log-drains/"+created.ID, "")
	var gone api.Drain
	_ = json.NewDecoder(resp.Body).Decode(&gone)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || gone.ID != created.ID {
		t.Errorf("DELETE: %d %+v, want 200 with the drain", resp.StatusCode, gone)
	}
}

func TestDrainsRefusals(t *testing.T) {
	s := newFakeDrains("hello")
	_, srv := newDrainsServer(t, s)
	if _, err := s.AddDrain(context.Background(), "hello", "syslog+tcp://x:514"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
		id, message        string
	}{
		{"GET", "/apps/nobody/log-drains", "", 404, api.IDNotFound, `app "nobody"`},
		{"POST", "/apps/nobody/log-drains", `{"url": "syslog+tcp://x:514"}`, 404, api.IDNotFound, `app "nobody"`},
		{"DELETE", "/apps/nobody/log-drains/d.00000001", "", 404, api.IDNotFound, `app "nobody"`},
		{"DELETE", "/apps/nobody/log-drains?url=syslog%2Btcp%3A%2F%2Fx%3A514", "", 404, api.IDNotFound, `app "nobody"`},
		{"POST", "/apps/hello/log-drains", `{"url": "nope"}`, 422, api.IDInvalid, "no scheme"},
		{"POST", "/apps/hello/log-drains", `{"url": "syslog+tcp://x:514"}`, 409, api.IDConflict, "already"},
		{"POST", "/apps/hello/log-drains", `{"url": 1}`, 400, api.IDBadRequest, `field "url" must be a string`},
		{"DELETE", "/apps/hello/log-drains/d.nothing", "", 404, api.IDNotFound, "hello has no log drain d.nothing"},
		{"DELETE", "/apps/hello/log-drains", "", 400, api.IDBadRequest, "?url="},
		{"DELETE", "/apps/hello/log-drains?url=x&y=1", "", 400, api.IDBadRequest, "?url="},
		{"PUT", "/apps/hello/log-drains", "", 405, api.IDMethodNotAllowed, "use DELETE or GET or POST"},
		{"PUT", "/apps/hello/log-drains/d.00000001", "", 405, api.IDMethodNotAllowed, "use DELETE or GET"},
		{"GET", "/apps/hello/log-drainz", "", 404, api.IDNotFound, "no API route"},
	} {
		resp := send(t, srv, tc.method, tc.path, tc.body)
		var e api.Error
		decodeErr := json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.status || decodeErr != nil || e.ID != tc.id || !strings.Contains(e.Message, tc.message) {
			t.Errorf("%s %s: %d %+v (%v), want %d %s with %q", tc.method, tc.path, resp.StatusCode, e, decodeErr, tc.status, tc.id, tc.message)
		}
	}

	s.err = errors.New("disk full")
	resp := send(t, srv, http.MethodPost, "/apps/hello/log-drains", `{"url": "syslog+tcp://z:514"}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("a failing store answers %d", resp.StatusCode)
	}
}

func TestDrainsClientErrors(t *testing.T) {
	c, _ := newDrainsServer(t, newFakeDrains("hello"))
	ctx := context.Background()
	if _, err := c.Drains(ctx, "nobody"); !api.IsNotFound(err) {
		t.Errorf("unknown app: %v", err)
	}
	err := c.RemoveDrain(ctx, "hello", "syslog+tcp://x:514")
	var e *api.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusNotFound {
		t.Errorf("unknown drain: %v", err)
	}
	// A network failure does not repeat a URL's password.
	down := api.NewClient("http://127.0.0.1:1", testToken)
	err = down.RemoveDrain(ctx, "hello", "https://ada:s3cret@collector.example.com/in")
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "reach the API") {
		t.Errorf("RemoveDrain with the API down: %v", err)
	}
}

// The drains routes work whether paasd registers them before or after
// Register, which answers unknown paths itself.
func TestRegisterDrainsOrder(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, before := range []bool{true, false} {
		r := mux.NewRouter()
		if before {
			RegisterDrains(r, newFakeDrains("hello"), apiservertest.NewPlatform("hello"), logger)
		}
		Register(r, apiservertest.NewPlatform("hello"), logger)
		if !before {
			RegisterDrains(r, newFakeDrains("hello"), apiservertest.NewPlatform("hello"), logger)
		}
		for path, want := range map[string]int{"/apps/hello/log-drains": 200, "/apps/hello": 200, "/v1/nothing": 404} {
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != want {
				t.Errorf("registered before Register %v: GET %s answers %d, want %d", before, path, rec.Code, want)
			}
		}
	}
}
