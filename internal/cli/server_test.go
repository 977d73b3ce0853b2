package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/datadir"
)

func TestMissingToken(t *testing.T) {
	url := startDaemon(t, newFakePlatform())
	t.Setenv(envToken, "")
	paasctl(t, "", "apps").mustFail(t, "no API token for "+url, "set PAAS_API_TOKEN", "paasctl login")
}

func TestTokenFromLocalDaemon(t *testing.T) {
	startDaemon(t, newFakePlatform(fakeApp("hello")))
	t.Setenv(envToken, "")
	if err := os.WriteFile(datadir.TokenPath(os.Getenv(datadir.Env)), []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := paasctl(t, "", "apps").mustSucceed(t); !strings.Contains(out, "hello") {
		t.Errorf("apps with the local daemon's token:\n%s", out)
	}
}

func TestLocalDaemonTokenStaysLocal(t *testing.T) {
	isolate(t)
	if err := os.WriteFile(datadir.TokenPath(os.Getenv(datadir.Env)), []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := tokenFor("https://paas.example.com", nil); err == nil {
		t.Error("the local daemon's token was offered to a remote server")
	}
}

func TestBadURL(t *testing.T) {
	startDaemon(t, newFakePlatform())
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
	startDaemon(t, newFakePlatform())
	t.Setenv(envToken, "wrong-token-0123456789")
	paasctl(t, "", "apps").mustFail(t, "missing or wrong API token")
}

func TestLogin(t *testing.T) {
	url := startDaemon(t, newFakePlatform(fakeApp("hello")))
	t.Setenv(envToken, "")

	paasctl(t, "wrong-token-0123456789\n", "login").mustFail(t, "refused this token")
	paasctl(t, "", "login").mustFail(t, "no token given")
	path, _ := credentialsPath()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a failed login saved credentials: %v", err)
	}

	out := paasctl(t, testToken+"\n", "login").mustSucceed(t)
	if !strings.Contains(out, "Logged in to "+url) {
		t.Errorf("login output: %q", out)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("credentials dir mode %v, want 0700", di.Mode().Perm())
	}
	var saved credentials
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &saved); err != nil || saved.URL != url || saved.Token != testToken {
		t.Errorf("saved %s (%v)", b, err)
	}

	// Later commands use the saved URL and token with nothing in the environment.
	t.Setenv(envURL, "")
	if out := paasctl(t, "", "apps").mustSucceed(t); !strings.Contains(out, "hello") {
		t.Errorf("apps after login:\n%s", out)
	}
	// The saved token is only for its own server.
	t.Setenv(envURL, "http://127.0.0.2:7070")
	t.Setenv(datadir.Env, t.TempDir())
	paasctl(t, "", "apps").mustFail(t, "no API token for http://127.0.0.2:7070")
}

func TestLoginRejectsTokenArgument(t *testing.T) {
	startDaemon(t, newFakePlatform())
	paasctl(t, "", "login", testToken).mustFail(t, "unknown command")
}
