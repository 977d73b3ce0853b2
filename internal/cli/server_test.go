package cli

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
	"github.com/paas-dev/paas/internal/datadir"
)

func TestMissingToken(t *testing.T) {
	url := startDaemon(t, apiservertest.NewPlatform())
	t.Setenv(envToken, "")
	paasctl(t, "", "apps").mustFail(t, "no API token for "+url, "set PAAS_API_TOKEN", "paasctl login")
}

// serveLocalSocket serves the API, and api.LocalPath saying it listens at
// apiAddr, on the local daemon's socket, as paasd does.
func serveLocalSocket(t *testing.T, p apiserver.Platform, apiAddr string) {
	t.Helper()
	ln, err := net.Listen("unix", datadir.SocketPath(os.Getenv(datadir.Env)))
	if err != nil {
		t.Fatal(err)
	}
	r := mux.NewRouter()
	apiserver.Register(r, p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.HandleFunc(api.LocalPath, func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(api.Local{APIAddr: apiAddr})
	})
	srv := &http.Server{Handler: auth.Middleware(testToken)(r)}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
}

func writeLocalToken(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(datadir.TokenPath(os.Getenv(datadir.Env)), []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestTokenFromLocalDaemonGoesThroughItsSocket(t *testing.T) {
	isolate(t)
	writeLocalToken(t)
	serveLocalSocket(t, apiservertest.NewPlatform("hello"), "127.0.0.1:7070")
	if out := paasctl(t, "", "apps").mustSucceed(t); !strings.Contains(out, "hello") {
		t.Errorf("apps with the local daemon's token:\n%s", out)
	}
}

// While paasd is down anyone may listen on its port: the local daemon's
// token must not reach them.
func TestLocalDaemonTokenNeverGoesOverTCP(t *testing.T) {
	isolate(t)
	writeLocalToken(t)
	var mu sync.Mutex
	var seen []string
	squatter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Header.Get("Authorization"))
	}))
	defer squatter.Close()
	t.Setenv(envURL, squatter.URL)
	paasctl(t, "", "apps").mustFail(t, "paasd.sock is missing: is paasd running?")
	host := strings.TrimPrefix(squatter.URL, "http://")
	paasctl(t, "protocol=http\nhost="+host+"\n\n", "git:credential", "get").mustFail(t, "is missing: is paasd running?")
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("the squatter was sent %q", seen)
	}
}

// git gets the local daemon's token only for the address paasd says it
// listens on.
func TestGitCredentialAsksTheLocalDaemonWhereItListens(t *testing.T) {
	isolate(t)
	writeLocalToken(t)
	serveLocalSocket(t, apiservertest.NewPlatform(), "127.0.0.1:7070")
	out := paasctl(t, "protocol=http\nhost=127.0.0.1:7070\n\n", "git:credential", "get").mustSucceed(t)
	if out != "username=paas\npassword="+testToken+"\n" {
		t.Errorf("get printed %q", out)
	}
	paasctl(t, "protocol=http\nhost=127.0.0.1:7071\n\n", "git:credential", "get").mustFail(t, "the local paasd listens on 127.0.0.1:7070, not 127.0.0.1:7071")
	paasctl(t, "protocol=http\nhost=localhost:7070\n\n", "git:credential", "get").mustFail(t, "not localhost:7070")
}

func TestSameListener(t *testing.T) {
	for _, tt := range []struct {
		host, addr string
		want       bool
	}{
		{"127.0.0.1:7070", "127.0.0.1:7070", true},
		{"127.0.0.1:7070", "0.0.0.0:7070", true},
		{"localhost:7070", "0.0.0.0:7070", true},
		{"localhost:7070", "127.0.0.1:7070", false}, // localhost may be ::1, where paasd is not
		{"127.0.0.1:7071", "127.0.0.1:7070", false},
		{"127.0.0.2:7070", "127.0.0.1:7070", false},
		{"127.0.0.1", "127.0.0.1:7070", false},
	} {
		if got := sameListener(tt.host, tt.addr); got != tt.want {
			t.Errorf("sameListener(%q, %q) = %v, want %v", tt.host, tt.addr, got, tt.want)
		}
	}
}

func TestLocalDaemonTokenStaysLocal(t *testing.T) {
	isolate(t)
	writeLocalToken(t)
	if _, _, err := tokenFor("https://paas.example.com", nil); err == nil {
		t.Error("the local daemon's token was offered to a remote server")
	}
}

func TestBadURL(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform())
	t.Setenv(envURL, "127.0.0.1:7070")
	paasctl(t, "", "apps").mustFail(t, "PAAS_URL", "is not a URL like http://127.0.0.1:7070")
}

func TestDaemonDown(t *testing.T) {
	isolate(t)
	t.Setenv(envURL, "http://127.0.0.1:1")
	t.Setenv(envToken, testToken)
	paasctl(t, "", "apps").mustFail(t, "is paasd running there?", "PAAS_URL")
}

func TestWrongToken(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform())
	t.Setenv(envToken, "wrong-token-0123456789")
	paasctl(t, "", "apps").mustFail(t, "missing or wrong API token")
}

func TestLogin(t *testing.T) {
	url := startDaemon(t, apiservertest.NewPlatform("hello"))
	t.Setenv(envToken, "")
	netrc := filepath.Join(os.Getenv("HOME"), ".netrc")
	// Another service's entry on the same host, and a comment, stay as they are.
	other := "# mine\nmachine 127.0.0.1 login alice password hers\n"
	if err := os.WriteFile(netrc, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}

	paasctl(t, "wrong-token-0123456789\n", "login").mustFail(t, "refused this token")
	paasctl(t, "", "login").mustFail(t, "no token given")
	path, _ := credentialsPath()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a failed login saved credentials: %v", err)
	}
	if b, _ := os.ReadFile(netrc); string(b) != other {
		t.Fatalf("a failed login changed .netrc:\n%s", b)
	}

	out := paasctl(t, testToken+"\n", "login").mustSucceed(t)
	if !strings.Contains(out, "Logged in to "+url) || !strings.Contains(out, netrc) {
		t.Errorf("login output: %q", out)
	}
	for _, p := range []string{path, netrc} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("credentials dir mode %v, want 0700", di.Mode().Perm())
	}
	var saved credentials
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &saved); err != nil || saved.URL != url || saved.Token != "" {
		t.Errorf("saved %s (%v), want the URL and no token", b, err)
	}
	b, _ = os.ReadFile(netrc)
	if want := other + "machine 127.0.0.1\n  login paas\n  password " + testToken + "\n"; string(b) != want {
		t.Errorf(".netrc after login:\n%s\nwant:\n%s", b, want)
	}

	// Later commands use the saved URL and token with nothing in the environment.
	t.Setenv(envURL, "")
	if out := paasctl(t, "", "apps").mustSucceed(t); !strings.Contains(out, "hello") {
		t.Errorf("apps after login:\n%s", out)
	}
	// A second login replaces the entry rather than adding one.
	paasctl(t, testToken+"\n", "login").mustSucceed(t)
	if b2, _ := os.ReadFile(netrc); string(b2) != string(b) {
		t.Errorf(".netrc after a second login:\n%s", b2)
	}
	// The saved token is only for its own host.
	t.Setenv(envURL, "http://127.0.0.2:7070")
	t.Setenv(datadir.Env, t.TempDir())
	paasctl(t, "", "apps").mustFail(t, "no API token for http://127.0.0.2:7070")

	t.Setenv(envURL, "")
	if out := paasctl(t, "", "logout").mustSucceed(t); !strings.Contains(out, "Logged out of "+url) {
		t.Errorf("logout output: %q", out)
	}
	if b, _ := os.ReadFile(netrc); string(b) != other {
		t.Errorf(".netrc after logout:\n%s\nwant:\n%s", b, other)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("logout left the credentials file: %v", err)
	}
	if out := paasctl(t, "", "logout").mustSucceed(t); !strings.Contains(out, "No token was saved") {
		t.Errorf("second logout output: %q", out)
	}
}

// A credentials file from before ~/.netrc still logs in.
func TestCredentialsFileTokenStillWorks(t *testing.T) {
	url := startDaemon(t, apiservertest.NewPlatform("hello"))
	t.Setenv(envToken, "")
	t.Setenv(envURL, "")
	if _, err := saveCredentials(credentials{URL: url, Token: testToken}); err != nil {
		t.Fatal(err)
	}
	if out := paasctl(t, "", "apps").mustSucceed(t); !strings.Contains(out, "hello") {
		t.Errorf("apps with an old credentials file:\n%s", out)
	}
}

func TestLoginRejectsTokenArgument(t *testing.T) {
	startDaemon(t, apiservertest.NewPlatform())
	paasctl(t, "", "login", testToken).mustFail(t, "unknown command")
}
