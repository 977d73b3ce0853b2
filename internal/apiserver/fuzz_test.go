package apiserver

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

// fuzzRoutes are the routes that read a JSON body.
var fuzzRoutes = []struct{ method, path string }{
	{http.MethodPost, "/apps"},
	{http.MethodPatch, "/apps/hello"},
	{http.MethodPatch, "/apps/hello/config-vars"},
	{http.MethodPost, "/apps/hello/releases"},
	{http.MethodPatch, "/apps/hello/formation"},
	{http.MethodPatch, "/apps/hello/formation/web"},
	{http.MethodPost, "/apps/hello/dynos"},
	{http.MethodPatch, "/apps/hello/limits"},
	{http.MethodPatch, "/apps/hello/settings"},
	{http.MethodPost, "/apps/hello/runs"},
	{http.MethodPost, "/apps/hello/domains"},
}

// FuzzJSONBodies: whatever body a client sends to a route that reads one, the
// answer is a success or a JSON error of the client's (4xx), never a panic
// or a 5xx.
func FuzzJSONBodies(f *testing.F) {
	for i := range fuzzRoutes {
		for _, body := range []string{
			`{"name": "hello2"}`, `{"maintenance": true}`, `{"name": "other"}`, `{"KEY": "value", "OTHER": null}`, `{"version": 1}`,
			`{"web": 2}`, `{"type": "web"}`, `{"web": "512m,pids=64,cpu=512"}`,
			`{"health_path": "/up", "boot_timeout": "30s", "auto_rollback": true}`,
			`{"command": "echo hi", "attach": false}`, `{"updates": [{"type": "web", "quantity": "+1"}]}`, `{"hostname": "www.example.com"}`, `{"hostname": "*.example.com", "sni_endpoint": "x"}`,
			``, `null`, `[]`, `{`, `{"a": 1}{"b": 2}`, `{"web": -1}`, `{"web": 1e309}`,
			"{\"KEY\": \"\\u0000\"}", `{"": ""}`, `"string"`, `{"name": {"deep": [[[[]]]]}}`,
		} {
			f.Add(uint8(i), []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		r := mux.NewRouter()
		Register(r, apiservertest.NewPlatform("hello"), slog.New(slog.NewTextHandler(io.Discard, nil)))
		req := httptest.NewRequest(rt.method, rt.path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.method, rt.path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var e api.Error
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.ID == "" || e.Message == "" {
				t.Fatalf("%s %s %q: %d with a body that is no JSON error: %s", rt.method, rt.path, body, rec.Code, rec.Body)
			}
		}
	})
}
