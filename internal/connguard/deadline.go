package connguard

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// Defaults for how long a request may take to arrive.
const (
	// DefaultAnonymous bounds a request that has not yet shown who it is,
	// body included: a client that sends no token gets its 401 and is gone
	// within it, however slowly it sends.
	DefaultAnonymous = 30 * time.Second
	// DefaultBodyIdle is how long a request body may pause. Uploads and git
	// pushes of any size go through as long as their bytes keep coming.
	DefaultBodyIdle = 60 * time.Second
)

// Deadline gives each request until d from its start to be read whole. For
// what comes before authentication: the handler behind it that lets a request
// through replaces the bound (IdleBody).
func Deadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
		next.ServeHTTP(w, r)
	})
}

// IdleBody lets a request body take as long as it needs while it keeps
// coming: each read may wait at most idle. Once there is no more body to read
// (at once for a GET) the connection has no read deadline, so that a long
// response (a log stream, server-sent events, a WebSocket after its upgrade)
// is not cut when the server watches the connection for the client leaving.
func IdleBody(idle time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.Body == nil || r.Body == http.NoBody {
			_ = rc.SetReadDeadline(time.Time{})
			next.ServeHTTP(w, r)
			return
		}
		body := &idleBody{ReadCloser: r.Body, rc: rc, idle: idle}
		body.setDeadline(time.Now().Add(idle))
		r.Body = body
		defer body.end()
		next.ServeHTTP(w, r)
	})
}

// idleBody moves the connection's read deadline forward at each read.
type idleBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration

	mu    sync.Mutex // protects ended
	ended bool       // the handler returned: the connection may serve another request
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.setDeadline(time.Now().Add(b.idle))
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.setDeadline(time.Time{})
	}
	return n, err
}

// setDeadline sets the read deadline unless the handler has returned: a
// proxy may still read the body then, from a goroutine of its own.
func (b *idleBody) setDeadline(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.ended {
		_ = b.rc.SetReadDeadline(t)
	}
}

func (b *idleBody) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ended = true
}
