package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/datadir"
)

// Environment and defaults, as the README promises users.
const (
	envURL     = "PAAS_URL"
	envToken   = "PAAS_API_TOKEN"
	defaultURL = "http://" + api.DefaultAddr
)

// server is the daemon paasctl talks to.
type server struct {
	url   string // normalized, no trailing slash
	token string
	// socket is the local paasd's API socket, which calls go to when the
	// token is that daemon's own: the kernel lets only paasd listen there,
	// whereas anyone may listen on a free TCP port while paasd is down.
	socket string
}

func (s server) client() *api.Client {
	c := api.NewClient(s.url, s.token)
	if s.socket != "" {
		c = api.NewUnixClient(s.socket, s.token)
	}
	c.SetActor(actor())
	return c
}

// loadServer finds the daemon's URL and a token for it.
func loadServer() (server, error) {
	creds, err := loadCredentials()
	if err != nil {
		return server{}, err
	}
	u, err := serverURL(creds)
	if err != nil {
		return server{}, err
	}
	token, local, err := tokenFor(u, creds)
	if err != nil {
		return server{}, err
	}
	if !local {
		return server{url: u, token: token}, nil
	}
	socket, err := localSocket()
	if err != nil {
		return server{}, err
	}
	return server{url: u, token: token, socket: socket}, nil
}

// localSocket is the local paasd's API socket, which must be there for its
// token to be used at all.
func localSocket() (string, error) {
	path := datadir.SocketPath(datadir.Default())
	if fi, err := os.Stat(path); err != nil || fi.Mode()&fs.ModeSocket == 0 {
		return "", fmt.Errorf("paasd's socket %s is missing: is paasd running? (start it with make run; the local daemon's token is only sent through that socket; for another daemon set %s and %s)", path, envURL, envToken)
	}
	return path, nil
}

// savedServer reads the saved credentials and the URL of the daemon paasctl
// talks to, as serverURL picks it.
func savedServer() (*credentials, string, error) {
	creds, err := loadCredentials()
	if err != nil {
		return nil, "", err
	}
	u, err := serverURL(creds)
	return creds, u, err
}

// serverURL is $PAAS_URL, else the URL paasctl login saved, else the local
// default.
func serverURL(creds *credentials) (string, error) {
	raw, from := os.Getenv(envURL), envURL
	if raw == "" && creds != nil {
		raw, from = creds.URL, "the credentials file (paasctl login)"
	}
	if raw == "" {
		return defaultURL, nil
	}
	return normalizeURL(raw, from)
}

func normalizeURL(raw, from string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return "", fmt.Errorf("server URL %q from %s is not a URL like %s: fix it", raw, from, defaultURL)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return strings.TrimRight(u.String(), "/"), nil
}

// tokenFor picks the API token for the server at u: $PAAS_API_TOKEN, else
// the one paasctl login saved for that server's host in ~/.netrc (or, from
// before that, in the credentials file), else a local daemon's own token
// file (local is then true). Each saved token is only ever sent to the
// server it is for.
func tokenFor(u string, creds *credentials) (token string, local bool, err error) {
	if t := strings.TrimSpace(os.Getenv(envToken)); t != "" {
		return t, false, nil
	}
	if parsed, err := url.Parse(u); err == nil && parsed.Hostname() != "" {
		t, err := netrcPassword(parsed.Hostname(), gitUsername)
		if err != nil || t != "" {
			return t, false, err
		}
	}
	if creds != nil && creds.Token != "" && sameServer(creds.URL, u) {
		return creds.Token, false, nil
	}
	if isLoopback(u) {
		t, err := localDaemonToken()
		if err != nil || t != "" {
			return t, t != "", err
		}
	}
	return "", false, fmt.Errorf("no API token for %s: set %s, or run paasctl login and paste the token (the daemon keeps it in its data directory, file %s)", u, envToken, datadir.TokenFile)
}

// localDaemonToken reads the token a daemon on this machine generated, so a
// local install needs no set-up. A file that is absent or not ours to read
// just means there is no such daemon.
func localDaemonToken() (string, error) {
	path := datadir.TokenPath(datadir.Default())
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the local daemon's token %s: %w", path, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// sameServer compares scheme and host: a token belongs to a daemon, not to a
// path on it.
func sameServer(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil &&
		strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}

func isLoopback(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := parsed.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
