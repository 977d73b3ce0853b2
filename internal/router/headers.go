package router

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
)

const headerRequestID = "X-Request-Id"

// setForwarded tells the app who asked and how, as Heroku's router does:
// X-Forwarded-For gets the client appended to what earlier proxies sent.
func setForwarded(pr *httputil.ProxyRequest) {
	// ReverseProxy strips the inbound X-Forwarded-For before Rewrite; put it
	// back so SetXForwarded appends to it instead of replacing it.
	if prior := pr.In.Header["X-Forwarded-For"]; len(prior) > 0 {
		pr.Out.Header["X-Forwarded-For"] = prior
	}
	pr.SetXForwarded() // For, Host, Proto
	pr.Out.Header.Set("X-Forwarded-Port", forwardedPort(pr.In))
}

// forwardedPort is the port the client connected to, as it named it.
func forwardedPort(req *http.Request) string {
	if p := port(req.Host); p != "" {
		return p
	}
	if req.TLS != nil {
		return "443"
	}
	return "80"
}

// requestID returns the client's X-Request-Id if it looks like one (as
// Heroku accepts: 20 to 200 of [A-Za-z0-9+/=_-]), else a new random one, so
// one id follows a request through router and app logs.
func requestID(h http.Header) string {
	if id := h.Get(headerRequestID); validRequestID(id) {
		return id
	}
	return newRequestID()
}

func validRequestID(id string) bool {
	if len(id) < 20 || len(id) > 200 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '+', c == '/', c == '=', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var raw [16]byte
	rand.Read(raw[:]) // never fails, per crypto/rand
	return hex.EncodeToString(raw[:])
}

// errBadResponse is a response no client could take: a status outside
// 100-999. ReverseProxy would panic writing it (a dropped connection for
// the client, a stack trace in the log every app shares); it is a 502 H17.
var errBadResponse = errors.New("backend answered with a status code outside 100-999")

// echoRequestID returns the id the app was given to the client, replacing any
// the app set, so that both sides quote the same one. It refuses a response
// whose status cannot be written.
func echoRequestID(resp *http.Response) error {
	if resp.StatusCode < 100 || resp.StatusCode > 999 {
		return fmt.Errorf("%w: %d", errBadResponse, resp.StatusCode)
	}
	resp.Header.Set(headerRequestID, resp.Request.Header.Get(headerRequestID))
	return nil
}
