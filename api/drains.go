package api

import (
	"net/url"
	"time"
)

// Drain is one of an app's log drains: a destination that gets every line
// of the app's stream, and how delivery to it is going.
// It has the shape of Heroku's Platform API log drain, with paas's delivery
// status (queued, sent, dropped, last_error, connected) besides.
type Drain struct {
	ID string `json:"id"` // a UUID
	// Token names the drain in the lines it is sent, as Heroku's does:
	// "d.1a2b3c4d". Routes take it, the id or the URL.
	Token string    `json:"token"`
	App   *NamedRef `json:"app"`
	Addon *NamedRef `json:"addon"` // null: no add-on made it
	// CreatedAt and UpdatedAt are the app's: paas does not keep when a
	// drain was added.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// URL is where the lines go, with any user, password and query values
	// hidden: "https://xxxxx@logs.example.com/in?token=xxxxx".
	URL string `json:"url"`
	// Queued lines wait to be sent; Sent and Dropped count lines since the
	// drain was added or paasd started. Lines are dropped when the queue
	// is full, because the destination is down or slow.
	Queued  int    `json:"queued"`
	Sent    uint64 `json:"sent"`
	Dropped uint64 `json:"dropped"`
	// LastError is the last failure to deliver, at LastErrorAt; it stays
	// after the drain recovers. It gives a failed answer's status code,
	// never its body.
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	// Connected says whether the destination took the last lines (https)
	// or the connection to it is up (syslog).
	Connected bool `json:"connected"`
}

// CreateDrainRequest is the body of POST /apps/{app}/log-drains.
type CreateDrainRequest struct {
	// URL is syslog+tls://HOST:PORT, syslog+tcp://HOST:PORT, https://...,
	// or http://... to a collector on the daemon's machine. The daemon's
	// machine (loopback, localhost, 0.0.0.0) and link-local addresses
	// (cloud metadata) are refused with 400 unless paasd runs with
	// PAAS_DRAIN_ALLOW_PRIVATE=1; private LAN addresses are allowed.
	URL string `json:"url"`
}

// DrainsPath is the path of an app's log drains.
func DrainsPath(app string) string { return AppPath(app) + "/log-drains" }

// DrainPath is the path of one log drain, by id or token.
func DrainPath(app, id string) string { return DrainsPath(app) + "/" + url.PathEscape(id) }
