package dashboard

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testToken = "t0ken-for-tests"

// newServer serves the dashboard and, behind its Authenticate, an API that
// answers who it let through.
func newServer(t *testing.T) (*Dashboard, *httptest.Server) {
	t.Helper()
	d := New(testToken, slog.New(slog.DiscardHandler))
	api := d.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "api "+r.Method)
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/dashboard") {
			d.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return d, srv
}

func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t *testing.T, c *http.Client, method, u, body string, headers map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// The pages are the binary's, with a policy that allows nothing else;
// paths the script routes get the one page.
func TestPages(t *testing.T) {
	_, srv := newServer(t)
	c := newClient(t)
	for path, want := range map[string]string{
		"/dashboard/":          "<title>paas dashboard</title>",
		"/dashboard/app.js":    "function h(tag",
		"/dashboard/style.css": "--accent",
		"/dashboard/apps":      "<title>paas dashboard</title>",
	} {
		resp, body := do(t, c, http.MethodGet, srv.URL+path, "", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, body lacks %q", path, resp.StatusCode, want)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	if resp, _ := do(t, c, http.MethodGet, srv.URL+"/dashboard", "", nil); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != Path {
		t.Errorf("GET /dashboard: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := do(t, c, http.MethodGet, srv.URL+"/dashboard/nope.js", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET a missing asset: %d", resp.StatusCode)
	}
	if resp, _ := do(t, c, http.MethodPost, srv.URL+"/dashboard/", "", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST a page: %d", resp.StatusCode)
	}
}

// A wrong token makes no session; the right one makes a cookie a script
// cannot read, sent to this site only, that expires; the API takes it for
// reads, and for changes only with the session's CSRF token; sign-out ends
// it.
func TestSession(t *testing.T) {
	_, srv := newServer(t)
	c := newClient(t)

	for _, body := range []string{"token=wrong", "token=", "nothing"} {
		resp, msg := do(t, c, http.MethodPost, srv.URL+SessionPath, body, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(msg, "wrong API token") || len(resp.Cookies()) != 0 {
			t.Errorf("sign in with %q: %d %s, cookies %v", body, resp.StatusCode, msg, resp.Cookies())
		}
	}
	if resp, _ := do(t, c, http.MethodGet, srv.URL+"/apps", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the API without a session: %d", resp.StatusCode)
	}
	// From another site's page: refused, even with the token.
	if resp, _ := do(t, c, http.MethodPost, srv.URL+SessionPath, "token="+testToken, map[string]string{"Origin": "https://evil.example"}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign in from another origin: %d", resp.StatusCode)
	}

	resp, body := do(t, c, http.MethodPost, srv.URL+SessionPath, "token="+url.QueryEscape(testToken), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == CookieName {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" ||
		cookie.MaxAge <= 0 || cookie.MaxAge > int(DefaultTTL.Seconds()) || cookie.Secure {
		t.Fatalf("session cookie = %+v", cookie)
	}
	if strings.Contains(body, cookie.Value) {
		t.Error("the answer holds the cookie's value, which a script could then read")
	}
	var reply sessionReply
	_ = json.Unmarshal([]byte(body), &reply)
	csrf := reply.CSRFToken

	if resp, body := do(t, c, http.MethodGet, srv.URL+"/apps", "", nil); resp.StatusCode != http.StatusOK || body != "api GET" {
		t.Errorf("a read with the session: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, c, http.MethodGet, srv.URL+SessionPath, "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, csrf) {
		t.Errorf("GET the session: %d %s", resp.StatusCode, body)
	}
	for name, headers := range map[string]map[string]string{
		"no CSRF token":  nil,
		"a wrong one":    {CSRFHeader: "x" + csrf},
		"another origin": {CSRFHeader: csrf, "Origin": "https://evil.example"},
		"an empty one":   {CSRFHeader: ""},
	} {
		if resp, body := do(t, c, http.MethodPatch, srv.URL+"/apps/hello/config-vars", `{"A":"1"}`, headers); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("a change with %s: %d %s", name, resp.StatusCode, body)
		}
	}
	if resp, body := do(t, c, http.MethodPatch, srv.URL+"/apps/hello/config-vars", `{"A":"1"}`, map[string]string{CSRFHeader: csrf, "Origin": srv.URL}); resp.StatusCode != http.StatusOK || body != "api PATCH" {
		t.Errorf("a change with the CSRF token: %d %s", resp.StatusCode, body)
	}

	// Sign-out needs the CSRF token too, then the cookie is worth nothing.
	if resp, _ := do(t, c, http.MethodDelete, srv.URL+SessionPath, "", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign out without the CSRF token: %d", resp.StatusCode)
	}
	resp, _ = do(t, c, http.MethodDelete, srv.URL+SessionPath, "", map[string]string{CSRFHeader: csrf})
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("sign out: %d", resp.StatusCode)
	}
	stale := newClient(t)
	u, _ := url.Parse(srv.URL)
	stale.Jar.SetCookies(u, []*http.Cookie{{Name: CookieName, Value: cookie.Value, Path: "/"}})
	if resp, _ := do(t, stale, http.MethodGet, srv.URL+"/apps", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the cookie after sign-out: %d", resp.StatusCode)
	}
}

// A session ends at its expiry; the oldest goes once there are too many.
func TestSessionsExpireAndAreBounded(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	s := newSessions(time.Hour, 2)
	s.now = func() time.Time { return now }
	first, _, _ := s.create()
	now = now.Add(time.Minute)
	second, _, _ := s.create()
	if _, ok := s.get(first); !ok {
		t.Fatal("a new session is not live")
	}
	now = now.Add(time.Minute)
	third, _, _ := s.create()
	if _, ok := s.get(first); ok {
		t.Error("the oldest session outlived the cap")
	}
	if _, ok := s.get(second); !ok {
		t.Error("a newer session went")
	}
	now = now.Add(time.Hour)
	if _, ok := s.get(third); ok {
		t.Error("a session outlived its expiry")
	}
}

// The cookie is Secure when the dashboard is served over TLS.
func TestCookieSecureOverTLS(t *testing.T) {
	d := New(testToken, slog.New(slog.DiscardHandler))
	srv := httptest.NewTLSServer(d)
	defer srv.Close()
	resp, body := do(t, srv.Client(), http.MethodPost, srv.URL+SessionPath, "token="+testToken, nil)
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 1 || !resp.Cookies()[0].Secure {
		t.Errorf("sign in over TLS: %d %s, cookies %+v", resp.StatusCode, body, resp.Cookies())
	}
}
