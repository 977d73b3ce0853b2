package apiserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestCreateAppRejectsMalformedBodies(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // in the message, besides the example
	}{
		{"not JSON", "name=hello", "not valid JSON"},
		{"cut short", `{"name": "hel`, "cut short"},
		{"wrong type", `{"name": 42}`, `field "name" must be a string, not a JSON number`},
		{"array", `["hello"]`, "JSON array, not an object"},
		{"trailing data", `{"name": "hello"} {"name": "again"}`, "more data after the JSON object"},
		{"trailing garbage", `{"name": "hello"}x`, "more data after the JSON object"},
		{"2 MiB", `{"name": "` + strings.Repeat("a", 2<<20) + `"}`, "larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform()
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, http.MethodPost, "/apps", tt.body)
			e := decodeError(t, resp)
			if resp.StatusCode != http.StatusBadRequest || e.ID != api.IDBadRequest {
				t.Fatalf("got %d %q, want 400 bad_request", resp.StatusCode, e.ID)
			}
			if !strings.Contains(e.Message, tt.want) || !strings.Contains(e.Message, `expected a JSON body like {"name": "myapp"}`) {
				t.Errorf("message = %q, want it to contain %q and the example", e.Message, tt.want)
			}
			if n := fake.Called(); n != 0 {
				t.Errorf("platform called %d times, want 0", n)
			}
		})
	}
}

// The Platform API's own routes ignore fields they do not know, as Heroku's
// do, and POST /apps without a name makes one up.
func TestCreateAppIsLenient(t *testing.T) {
	for body, want := range map[string]int{
		``:                                       http.StatusCreated,
		`{}`:                                     http.StatusCreated,
		`null`:                                   http.StatusCreated,
		`{"name": "hello", "feature_flags": []}`: http.StatusCreated,
		`{"name": "hello", "region": "local"}`:   http.StatusCreated,
		`{"name": "hello", "stack": "container"}`: http.StatusCreated,
		`{"name": "hello", "region": "eu"}`:       http.StatusUnprocessableEntity,
		`{"name": "hello", "stack": "heroku-24"}`: http.StatusUnprocessableEntity,
	} {
		_, srv := newTestServer(t, apiservertest.NewPlatform())
		resp := send(t, srv, http.MethodPost, "/apps", body)
		var app api.App
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Errorf("POST /apps %s: %d %s, want %d", body, resp.StatusCode, b, want)
			continue
		}
		if want == http.StatusCreated && (json.Unmarshal(b, &app) != nil || app.Name == "") {
			t.Errorf("POST /apps %s: created %s", body, b)
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	tests := []struct {
		method, path, allow string
	}{
		{http.MethodPut, "/apps", "GET, POST"},
		{http.MethodDelete, "/apps", "GET, POST"},
		{http.MethodPost, "/apps/hello", "DELETE, GET, PATCH"},
		{http.MethodPost, "/account", "GET"},
		{http.MethodPut, "/apps/hello/config-vars", "GET, PATCH"},
		{http.MethodPost, "/apps/hello/config-vars", "GET, PATCH"},
		{http.MethodDelete, "/apps/hello/releases", "GET, POST"},
		{http.MethodDelete, "/apps/hello/releases/v1", "GET"},
		{http.MethodPost, "/apps/hello/releases/verify", "GET"},
		{http.MethodPost, "/apps/hello/releases/diff", "GET"},
		{http.MethodPut, "/apps/hello/formation", "GET, PATCH"},
		{http.MethodPut, "/apps/hello/dynos", "DELETE, GET, POST"},
		{http.MethodGet, "/apps/hello/formations/web", "DELETE"},
		{http.MethodPost, "/apps/hello/limits", "GET, PATCH"},
		{http.MethodDelete, "/apps/hello/settings", "GET, PATCH"},
		{http.MethodGet, "/apps/hello/runs", "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			_, srv := newTestServer(t, fake)
			resp := send(t, srv, tt.method, tt.path, "")
			e := decodeError(t, resp)
			if resp.StatusCode != http.StatusMethodNotAllowed || e.ID != api.IDMethodNotAllowed {
				t.Fatalf("got %d %q, want 405", resp.StatusCode, e.ID)
			}
			if got := resp.Header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if fake.Called() != 0 {
				t.Error("platform was called")
			}
		})
	}
}

func TestUnknownPathIsJSON404(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform())
	for _, path := range []string{"/nope", "/apps/hello/nope", "/v1", "/apps/hello/releases/v1/extra", "/apps/hello/config-vars/FOO"} {
		resp := send(t, srv, http.MethodGet, path, "")
		if e := decodeError(t, resp); resp.StatusCode != http.StatusNotFound || e.ID != api.IDNotFound {
			t.Errorf("GET %s: got %d %q, want 404 not_found", path, resp.StatusCode, e.ID)
		}
	}
}

func TestOpenAPISpecIsServed(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform())
	resp := send(t, srv, http.MethodGet, "/openapi.yaml", "")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "openapi: 3.0") {
		t.Fatalf("got %d %.40q", resp.StatusCode, b)
	}
}

// TestOpenAPIDescribesEveryRoute keeps the spec in step with Register,
// RegisterLogs, RegisterDrains, RegisterRouterMetrics and RegisterNodes.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	r := mux.NewRouter()
	Register(r, apiservertest.NewPlatform(), nil)
	RegisterLogs(r, newFakeStreamer(), nil)
	RegisterDrains(r, newFakeDrains(), apiservertest.NewPlatform(), nil)
	RegisterRouterMetrics(r, nil, apiservertest.NewPlatform(), nil)
	RegisterNodes(r, nil, nil)
	err := r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		path, err := route.GetPathTemplate()
		if err != nil {
			return nil
		}
		if !strings.Contains(string(api.OpenAPISpec), "\n  "+path+":\n") {
			t.Errorf("openapi.yaml has no path %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// send makes an authenticated raw request, for what the Client cannot send.
func send(t *testing.T, srv *httptest.Server, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func decodeError(t *testing.T, resp *http.Response) api.Error {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var e api.Error
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatalf("decode error body: %v", err)
	}
	return e
}

// Heroku's error ids: a body that cannot be read is 400 bad_request, one
// that asks for what cannot be is 422 invalid_params.
func TestErrorIDs(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform("hello"))
	for _, tc := range []struct {
		method, path, body string
		status             int
		id                 string
	}{
		{http.MethodPatch, "/apps/hello/config-vars", `{"A": `, http.StatusBadRequest, api.IDBadRequest},
		{http.MethodPatch, "/apps/hello/config-vars", `{"1A": "x"}`, http.StatusUnprocessableEntity, api.IDInvalid},
		{http.MethodPatch, "/apps/hello/formation", `{"updates": [{"type": "web", "quantity": "many"}]}`, http.StatusBadRequest, api.IDBadRequest},
		{http.MethodPatch, "/apps/hello/formation", `{"updates": [{"type": "web", "quantity": 1000}]}`, http.StatusUnprocessableEntity, api.IDInvalid},
		{http.MethodPost, "/apps", `{"name": "Bad_Name"}`, http.StatusUnprocessableEntity, api.IDInvalid},
		{http.MethodGet, "/apps/hello/releases/three", ``, http.StatusBadRequest, api.IDBadRequest},
		{http.MethodGet, "/apps/nope", ``, http.StatusNotFound, api.IDNotFound},
		{http.MethodPut, "/apps", ``, http.StatusMethodNotAllowed, api.IDMethodNotAllowed},
	} {
		resp := send(t, srv, tc.method, tc.path, tc.body)
		if e := decodeError(t, resp); resp.StatusCode != tc.status || e.ID != tc.id {
			t.Errorf("%s %s %s: %d %q, want %d %q", tc.method, tc.path, tc.body, resp.StatusCode, e.ID, tc.status, tc.id)
		}
	}
}
