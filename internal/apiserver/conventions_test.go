package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestIDEchoedOrMade(t *testing.T) {
	h := conventions(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	for give, want := range map[string]string{
		"0b5c9d8e-1111-4222-8333-444455556666": "0b5c9d8e-1111-4222-8333-444455556666",
		"":                                     "",
		"bad id\r\nX-Evil: 1":                  "",
		strings.Repeat("a", 201):               "",
	} {
		req := httptest.NewRequest("GET", "/apps", nil)
		if give != "" {
			req.Header["Request-Id"] = []string{give}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		got := w.Header().Get("Request-Id")
		if want != "" && got != want {
			t.Errorf("Request-Id %q: echoed %q", give, got)
		}
		if want == "" && !requestIDPattern.MatchString(got) || want == "" && got == give {
			t.Errorf("Request-Id %q: answered %q, want a new UUID", give, got)
		}
	}
}

func TestAcceptVersions(t *testing.T) {
	for accept, ok := range map[string]bool{
		"":                                       true,
		"*/*":                                    true,
		"application/json":                       true,
		"application/vnd.heroku+json; version=3": true,
		"application/vnd.heroku+json; version=3.sdk":                          true,
		"application/vnd.heroku+json; version=3.run-inside, application/json": true,
		"application/vnd.heroku+json":                                         true,
		"application/vnd.heroku+json; version=2":                              false,
		"text/plain, application/vnd.heroku+json; version=4":                  false,
	} {
		req := httptest.NewRequest("GET", "/apps", nil)
		req.Header.Set("Accept", accept)
		w := httptest.NewRecorder()
		conventions(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(299) })).ServeHTTP(w, req)
		if got := w.Code == 299; got != ok {
			t.Errorf("Accept %q: status %d, served %v, want %v", accept, w.Code, got, ok)
		}
		if !ok && (w.Code != http.StatusNotAcceptable || !strings.Contains(w.Body.String(), `"id":"not_acceptable"`)) {
			t.Errorf("Accept %q: %d %s", accept, w.Code, w.Body)
		}
	}
}
