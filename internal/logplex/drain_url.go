package logplex

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Drain URL schemes.
const (
	schemeSyslogTCP = "syslog+tcp"
	schemeSyslogTLS = "syslog+tls"
	schemeHTTPS     = "https"
	schemeHTTP      = "http" // only to a collector on this machine
)

// maxDrainURL bounds a drain URL's length.
const maxDrainURL = 2048

// drainSchemes is what a refused URL's message suggests.
const drainSchemes = "use syslog+tls://HOST:PORT, syslog+tcp://HOST:PORT or https://HOST[:PORT]/PATH"

// Sentinels of the drain methods' errors.
var (
	// ErrInvalidDrain: the URL is not one a drain can send to.
	ErrInvalidDrain = errors.New("invalid drain")
	// ErrDrainExists: the app has a drain to that URL already.
	ErrDrainExists = errors.New("drain exists")
	// ErrDrainNotFound: the app has no such drain.
	ErrDrainNotFound = errors.New("drain not found")
)

// drainError is an error with a message of its own that matches one of the
// sentinels.
type drainError struct {
	kind error
	msg  string
}

func (e *drainError) Error() string { return e.msg }
func (e *drainError) Unwrap() error { return e.kind }

func invalidDrain(format string, a ...any) error {
	return &drainError{kind: ErrInvalidDrain, msg: fmt.Sprintf(format, a...)}
}

// drainURL is a checked drain URL.
type drainURL struct {
	u *url.URL
	// full is the normalized URL, credentials and all: what is persisted
	// and what duplicates are found by.
	full string
	// shown is full with its credentials hidden: what users and logs see.
	shown string
}

func (d drainURL) syslog() bool {
	return d.u.Scheme == schemeSyslogTCP || d.u.Scheme == schemeSyslogTLS
}

// parseDrainURL checks raw and normalizes it: a lower-case scheme and host.
// Its errors wrap ErrInvalidDrain and never show credentials.
func parseDrainURL(raw string) (drainURL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return drainURL{}, invalidDrain("a drain URL is required: %s", drainSchemes)
	}
	if len(raw) > maxDrainURL {
		return drainURL{}, invalidDrain("the drain URL is %d bytes long, more than the %d allowed", len(raw), maxDrainURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL, credentials and all: only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return drainURL{}, invalidDrain("the drain URL does not parse (%v): %s", err, drainSchemes)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	shown := redactURL(u)
	switch u.Scheme {
	case schemeSyslogTCP, schemeSyslogTLS, schemeHTTPS, schemeHTTP:
	case "":
		return drainURL{}, invalidDrain("drain URL %q has no scheme: %s", shown, drainSchemes)
	default:
		return drainURL{}, invalidDrain("drain URL %q has an unsupported scheme %q: %s", shown, u.Scheme, drainSchemes)
	}
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return drainURL{}, invalidDrain("drain URL %q has no host: %s", shown, drainSchemes)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return drainURL{}, invalidDrain("drain URL %q has port %s: use a port from 1 to 65535", shown, p)
		}
	}
	if u.Fragment != "" || strings.HasSuffix(raw, "#") {
		return drainURL{}, invalidDrain("drain URL %q has a fragment (#...), which is never sent: leave it out", shown)
	}
	switch u.Scheme {
	case schemeSyslogTCP, schemeSyslogTLS:
		if u.Port() == "" {
			return drainURL{}, invalidDrain("drain URL %q has no port: syslog drains need HOST:PORT, e.g. %s://logs.example.com:6514", shown, u.Scheme)
		}
		if u.User != nil {
			return drainURL{}, invalidDrain("drain URL %q has a user or password, which syslog drains cannot send: leave it out", shown)
		}
		if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery {
			return drainURL{}, invalidDrain("drain URL %q has a path or query, which syslog drains cannot send: use %s://HOST:PORT", shown, u.Scheme)
		}
		u.Path, u.RawPath = "", ""
	case schemeHTTP:
		if !localHost(u.Hostname()) {
			return drainURL{}, invalidDrain("drain URL %q is plain http to another machine, which would send the app's logs unencrypted: use https://, or http:// only for a collector on this machine (localhost, 127.0.0.1, ::1)", shown)
		}
	}
	shown = redactURL(u)
	return drainURL{u: u, full: u.String(), shown: shown}, nil
}

// localHost reports whether host is this machine's loopback.
func localHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL shows u without its credentials: the user and password, and
// every value of its query, where collectors put their tokens. A part
// without "=" may be a bare token: it is hidden whole.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("xxxxx")
	}
	if c.RawQuery != "" {
		parts := strings.Split(c.RawQuery, "&")
		for i, p := range parts {
			if k, _, ok := strings.Cut(p, "="); ok {
				parts[i] = k + "=xxxxx"
			} else if p != "" {
				parts[i] = "xxxxx"
			}
		}
		c.RawQuery = strings.Join(parts, "&")
	}
	return c.String()
}
