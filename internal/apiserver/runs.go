package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/paas-dev/paas/api"
)

const runExample = `{"command": "rake db:migrate", "attach": true}`

func (s *server) createRun(w http.ResponseWriter, r *http.Request) {
	var req api.RunRequest
	if e := decodeBody(w, r, &req, runExample); e != nil {
		s.writeError(w, r, e)
		return
	}
	if strings.TrimSpace(req.Command) == "" {
		s.writeError(w, r, invalidBody(`the field "command" is missing or empty`, runExample))
		return
	}
	app := mux.Vars(r)["app"]
	if !req.Attach {
		res, err := s.p.Run(r.Context(), app, req, nil, nil, nil)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, res)
		return
	}
	s.attach(w, r, app, func() error {
		_, err := s.p.App(r.Context(), app)
		return err
	}, func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
		res, err := s.p.Run(ctx, app, req, stdin, stdout, stderr)
		return res.ExitCode, err
	})
}

// attached is a process whose streams a client is attached to: it reads
// stdin, writes its output, and returns its exit code.
type attached func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (int, error)

// attach upgrades r's connection to the run protocol and runs the process
// over it (see streamRun); what names it in the daemon's log. check runs
// first: once upgraded, errors can only go as error frames, so the common
// mistakes (no such app) are found before, to get their proper status.
func (s *server) attach(w http.ResponseWriter, r *http.Request, what string, check func() error, run attached) {
	if !wantsRunProtocol(r) {
		w.Header().Set("Upgrade", api.RunProtocol)
		s.writeError(w, r, &api.Error{StatusCode: http.StatusUpgradeRequired, ID: api.IDBadRequest,
			Message: `an attached process streams over its own connection: send the headers "Connection: Upgrade" and "Upgrade: ` + api.RunProtocol + `" (paasctl does), or, for paasctl run, set "attach" to false to run it in the background`})
		return
	}
	if err := check(); err != nil {
		s.fail(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	// The server's deadlines are for requests; an interactive run has none.
	for _, set := range []func(time.Time) error{rc.SetReadDeadline, rc.SetWriteDeadline} {
		if err := set(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
			s.fail(w, r, err)
			return
		}
	}
	conn, rw, err := rc.Hijack()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer conn.Close()
	// A client gone before the upgrade gets no process.
	_, err = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + api.RunProtocol + "\r\n\r\n")
	if err == nil {
		err = rw.Flush()
	}
	if err != nil {
		s.log.Debug("run: client gone before the upgrade", "what", what, "err", err)
		return
	}
	s.streamRun(r.Context(), conn, unbuffered(rw.Reader, conn), what, run)
}

// unbuffered reads what br holds of conn, then conn itself: past net/http's
// reader, which cancels the request's context when a read fails, as it does
// at the client's half-close at the end of stdin.
func unbuffered(br *bufio.Reader, conn net.Conn) io.Reader {
	held, _ := br.Peek(br.Buffered())
	if len(held) == 0 {
		return conn
	}
	return io.MultiReader(bytes.NewReader(bytes.Clone(held)), conn)
}

// wantsRunProtocol reports whether r asks to upgrade to the run protocol.
func wantsRunProtocol(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", api.RunProtocol)
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// streamRun runs the process over an upgraded connection: stdin from in,
// output as frames to conn, then the exit or error frame. Losing the client
// cancels the run's context, which stops the process.
func (s *server) streamRun(ctx context.Context, conn net.Conn, in io.Reader, what string, run attached) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := api.NewFrameWriter(conn, cancel)

	stdin, stdinW := io.Pipe()
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		_, err := io.Copy(stdinW, in)
		stdinW.CloseWithError(err) // nil: the client's half-close is stdin's EOF
		if err != nil && !errors.Is(err, io.ErrClosedPipe) {
			cancel() // the connection broke
			return
		}
		// Read what the client still sends until it closes, so that our
		// close does not reset the connection under the final frame.
		_, _ = io.Copy(io.Discard, in)
	}()
	stopKeepAlive := keepAlive(out, s.runKeepAlive)

	code, err := run(ctx, stdin, out.Stream(api.FrameStdout), out.Stream(api.FrameStderr))
	stopKeepAlive()
	_ = stdin.Close()
	if err != nil {
		e := errorFor(err)
		if e.StatusCode >= http.StatusInternalServerError {
			s.log.Error("run failed", "what", what, "err", err)
		}
		err = out.Finish(api.FrameError, []byte(e.Message))
	} else {
		err = out.Finish(api.FrameExit, []byte(strconv.Itoa(code)))
	}
	if err != nil {
		s.log.Debug("run: client gone before the end", "what", what, "err", err)
	}
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = conn.SetReadDeadline(time.Now().Add(s.runLinger))
	<-pumped
}

// keepAlive writes an empty frame every interval until stopped.
func keepAlive(out *api.FrameWriter, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if out.KeepAlive() != nil {
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}
