package router

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// headerEcho answers with the request headers the app saw, as JSON.
func headerEcho(w http.ResponseWriter, req *http.Request) {
	json.NewEncoder(w).Encode(req.Header)
}

func seenHeaders(t *testing.T, body string) http.Header {
	t.Helper()
	var h http.Header
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("decode echoed headers %q: %v", body, err)
	}
	return h
}

func TestForwardedHeaders(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(headerEcho))})

	resp, body := do(t, srv, http.MethodGet, "hello.localhost:8080", "/", nil, http.Header{
		"X-Forwarded-For":   {"203.0.113.9"},
		"X-Forwarded-Proto": {"https"}, // a client's claim; the router knows better
		"Connection":        {"X-Secret"},
		"X-Secret":          {"hop-by-hop"},
	})
	wantStatus(t, resp, body, http.StatusOK)
	seen := seenHeaders(t, body)
	want := map[string]string{
		"X-Forwarded-For":   "203.0.113.9, 127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Host":  "hello.localhost:8080",
		"X-Forwarded-Port":  "8080",
		"X-Secret":          "",
	}
	for k, v := range want {
		if got := strings.Join(seen[k], ","); got != v {
			t.Errorf("app saw %s = %q, want %q", k, got, v)
		}
	}
}

func TestForwardedPortDefault(t *testing.T) {
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(headerEcho))})

	resp, body := get(t, srv, "hello.localhost")
	wantStatus(t, resp, body, http.StatusOK)
	if got := seenHeaders(t, body).Get("X-Forwarded-Port"); got != "80" {
		t.Errorf("X-Forwarded-Port = %q, want 80 for a Host with no port", got)
	}
}

func TestRequestID(t *testing.T) {
	valid := "abcDEF0123456789+/=_-"
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"valid kept", valid, true},
		{"200 chars kept", strings.Repeat("a", 200), true},
		{"none generated", "", false},
		{"too short", "abc123", false},
		{"too long", strings.Repeat("a", 201), false},
		{"bad characters", "abcdefghij klmnopqrstu", false},
		{"header injection", "abcdefghijklmnopqrstu<script>", false},
	}
	generated := regexp.MustCompile(`^[0-9a-f]{32}$`)
	r := newTestRouter(t)
	srv := serve(t, r)
	r.SetBackends("hello", []string{startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set(headerRequestID, "set-by-the-app-and-long-enough") // must not reach the client
		headerEcho(w, req)
	}))})
	r.AddApp("idle")

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.sent != "" {
				h.Set(headerRequestID, tt.sent)
			}
			check := func(host string, status int, appSaw func(string) string) {
				t.Helper()
				resp, body := do(t, srv, http.MethodGet, host, "/", nil, h)
				wantStatus(t, resp, body, status)
				ids := resp.Header.Values(headerRequestID)
				if len(ids) != 1 {
					t.Fatalf("%s: response has X-Request-Id %q, want exactly one", host, ids)
				}
				switch {
				case tt.kept && ids[0] != tt.sent:
					t.Errorf("%s: X-Request-Id = %q, want the client's %q", host, ids[0], tt.sent)
				case !tt.kept && !generated.MatchString(ids[0]):
					t.Errorf("%s: X-Request-Id = %q, want a generated 32-digit hex id", host, ids[0])
				}
				if appSaw != nil {
					if saw := appSaw(body); saw != ids[0] {
						t.Errorf("%s: app saw X-Request-Id %q, client got %q", host, saw, ids[0])
					}
				}
			}
			check("hello.localhost", http.StatusOK, func(body string) string {
				return strings.Join(seenHeaders(t, body)[headerRequestID], ",")
			})
			check("idle.localhost", http.StatusServiceUnavailable, nil)
			check("nobody.localhost", http.StatusNotFound, nil)
		})
	}
}
