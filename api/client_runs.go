package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Run runs req.Command in a one-off process of the app's current release.
//
// Detached (req.Attach false), it returns as soon as the process started,
// with its name; stdin, stdout and stderr are not used. Attached, stdin feeds
// the process until stdin's EOF (nil: no input), the process's output goes
// to stdout and stderr, and Run returns once the process exits, with its exit
// status; ending ctx stops the process. Run does not wait for a Read of stdin
// that is still blocked when the process exits.
func (c *Client) Run(ctx context.Context, app string, req RunRequest, stdin io.Reader, stdout, stderr io.Writer) (RunResult, error) {
	if !req.Attach {
		var res RunResult
		err := c.do(ctx, http.MethodPost, runsPath(app), req, &res)
		return res, err
	}
	res, err := c.attach(ctx, runsPath(app), req, stdin, stdout, stderr)
	if err != nil && ctx.Err() != nil {
		return res, fmt.Errorf("run %q on %s: %w", req.Command, app, context.Cause(ctx))
	}
	return res, err
}

// AddonConsole runs the add-on's own client, psql or redis-cli, attached
// as Run attaches: stdin feeds it (nil: no input), its output goes to
// stdout and stderr, and it returns with its exit status. command, if
// given, is what the client runs instead of reading its input.
func (c *Client) AddonConsole(ctx context.Context, addon, command string, stdin io.Reader, stdout, stderr io.Writer) (RunResult, error) {
	res, err := c.attach(ctx, ConsolePath(addon), ConsoleRequest{Command: command}, stdin, stdout, stderr)
	if err != nil && ctx.Err() != nil {
		return res, fmt.Errorf("console of %s: %w", addon, context.Cause(ctx))
	}
	return res, err
}

// attach POSTs req to path, upgrading to the run protocol, and runs the
// process it starts attached to stdin, stdout and stderr.
func (c *Client) attach(ctx context.Context, path string, req any, stdin io.Reader, stdout, stderr io.Writer) (RunResult, error) {
	conn, err := c.upgradeRun(ctx, path, req)
	if err != nil {
		return RunResult{}, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	go sendStdin(conn, stdin)
	return receiveRun(conn, orDiscard(stdout), orDiscard(stderr))
}

// upgradeRun POSTs req to path asking for the run protocol and returns the
// connection it then takes over. The handshake is bounded like any call;
// the process itself is not.
func (c *Client) upgradeRun(ctx context.Context, path string, req any) (io.ReadWriteCloser, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel() // ends the handshake only: a 101's connection is the caller's

	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode POST %s request: %w", path, err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build POST %s request: %w", path, err)
	}
	c.setHeaders(hreq, true)
	hreq.Header.Set("Connection", "Upgrade")
	hreq.Header.Set("Upgrade", RunProtocol)
	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("reach the API: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			return nil, fmt.Errorf("POST %s: the server answered %s instead of switching to the run protocol: is PAAS_URL a paas daemon as new as paasctl?", path, resp.Status)
		}
		return nil, readError(resp)
	}
	conn, ok := resp.Body.(io.ReadWriteCloser)
	if !ok || !strings.EqualFold(resp.Header.Get("Upgrade"), RunProtocol) {
		resp.Body.Close()
		return nil, fmt.Errorf("POST %s: the server switched to protocol %q, not %s: is PAAS_URL a paas daemon?", path, resp.Header.Get("Upgrade"), RunProtocol)
	}
	return conn, nil
}

// sendStdin copies stdin to the process, then half-closes the connection:
// the server reads that as the end of stdin.
func sendStdin(conn io.Writer, stdin io.Reader) {
	if stdin != nil {
		// A failed write means the run is over or the connection broke; the
		// frames say which.
		_, _ = io.Copy(conn, stdin)
	}
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

// receiveRun writes the process's output frames to stdout and stderr until
// the exit or error frame.
func receiveRun(conn io.Reader, stdout, stderr io.Writer) (RunResult, error) {
	r := bufio.NewReader(conn)
	for {
		kind, payload, err := ReadFrame(r)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return RunResult{}, errors.New("the connection to paasd closed before the process exited: its exit status is unknown (see paasctl logs)")
		}
		if err != nil {
			return RunResult{}, fmt.Errorf("read the run's output: %w", err)
		}
		switch kind {
		case FrameStdout, FrameStderr:
			w := stdout
			if kind == FrameStderr {
				w = stderr
			}
			if len(payload) == 0 {
				continue // a keep-alive
			}
			if _, err := w.Write(payload); err != nil {
				return RunResult{}, fmt.Errorf("write the process's output: %w", err)
			}
		case FrameExit:
			code, err := strconv.Atoi(string(payload))
			if err != nil {
				return RunResult{}, fmt.Errorf("paasd sent exit status %q, which is not a number", payload)
			}
			return RunResult{ExitCode: code}, nil
		case FrameError:
			return RunResult{}, errors.New(string(payload))
		}
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func runsPath(app string) string { return AppPath(app) + "/runs" }
