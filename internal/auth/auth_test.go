package auth

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreateTokenGeneratesOnceWithMode0600(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	tok, path, err := LoadOrCreateToken(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) < minTokenLength || path == "" {
		t.Fatalf("token %q path %q", tok, path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	again, _, err := LoadOrCreateToken(dir, "")
	if err != nil || again != tok {
		t.Fatalf("second load = %q, %v; want the same token", again, err)
	}
}

func TestLoadOrCreateTokenFromEnv(t *testing.T) {
	dir := t.TempDir()
	tok, path, err := LoadOrCreateToken(dir, "a-long-enough-token-123")
	if err != nil || tok != "a-long-enough-token-123" || path != "" {
		t.Fatalf("got %q %q %v", tok, path, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "api-token")); !os.IsNotExist(err) {
		t.Fatal("env token must not write a token file")
	}
	for _, bad := range []string{"short", "has a space in it here", "tab\tinside-the-token"} {
		if _, _, err := LoadOrCreateToken(dir, bad); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}
}

func TestLoadOrCreateTokenRejectsDamagedFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "api-token"), []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateToken(dir, ""); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("err = %v, want advice to delete the file", err)
	}
}

func TestMiddleware(t *testing.T) {
	const token = "0123456789abcdef0123"
	h := Middleware(token)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	tests := []struct {
		name string
		set  func(r *http.Request)
		want int
	}{
		{"none", func(r *http.Request) {}, http.StatusUnauthorized},
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, http.StatusTeapot},
		{"bearer lowercase scheme", func(r *http.Request) { r.Header.Set("Authorization", "bearer "+token) }, http.StatusTeapot},
		{"bearer wrong", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, http.StatusUnauthorized},
		{"bearer prefix of token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token[:10]) }, http.StatusUnauthorized},
		{"basic", func(r *http.Request) { r.SetBasicAuth("paas", token) }, http.StatusTeapot},
		{"basic any user", func(r *http.Request) { r.SetBasicAuth("", token) }, http.StatusTeapot},
		{"basic wrong", func(r *http.Request) { r.SetBasicAuth("paas", "wrong") }, http.StatusUnauthorized},
		{"token as user name", func(r *http.Request) { r.SetBasicAuth(token, "") }, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/v1/apps", nil)
			tt.set(r)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if w.Code == http.StatusUnauthorized && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic") {
				t.Fatal("401 without a Basic challenge: git would not send credentials")
			}
		})
	}
}

// A browser's script gets no Basic challenge, which would open the
// browser's password prompt; a navigation and git still get one.
func TestNoChallengeForScripts(t *testing.T) {
	h := Middleware("the-token")(http.NotFoundHandler())
	for mode, want := range map[string]bool{"": true, "navigate": true, "cors": false, "same-origin": false, "no-cors": false} {
		r := httptest.NewRequest("GET", "/apps", nil)
		if mode != "" {
			r.Header.Set("Sec-Fetch-Mode", mode)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if got := w.Header().Get("WWW-Authenticate") != ""; w.Code != http.StatusUnauthorized || got != want {
			t.Errorf("Sec-Fetch-Mode %q: %d, challenge %v, want %v", mode, w.Code, got, want)
		}
	}
}
