package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
	"github.com/paas-dev/paas/internal/releases"
)

// newRunTestServer is newTestServer with an attached run's keep-alive at
// keepAlive, so that tests see a lost client quickly.
func newRunTestServer(t *testing.T, p Platform, keepAlive time.Duration) (*api.Client, *httptest.Server) {
	t.Helper()
	s := &server{p: p, log: slog.New(slog.NewTextHandler(io.Discard, nil)), runKeepAlive: keepAlive, runLinger: defaultRunLinger}
	r := mux.NewRouter()
	s.routes(r)
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	t.Cleanup(srv.Close)
	return api.NewClient(srv.URL, testToken), srv
}

// runAttached runs command attached with stdin, and returns what it printed.
func runAttached(t *testing.T, c *api.Client, stdin io.Reader) (res api.RunResult, stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	res, err = c.Run(context.Background(), "hello", api.RunRequest{Command: "cat", Attach: true}, stdin, &out, &errOut)
	return res, out.String(), errOut.String(), err
}

func TestRunAttachedEchoesStdin(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	fake.RunFunc = func(ctx context.Context, _ api.RunRequest, stdin io.Reader, stdout, _ io.Writer) (api.RunResult, error) {
		if _, err := io.Copy(stdout, stdin); err != nil { // returns at the client's half-close
			return api.RunResult{}, err
		}
		if ctx.Err() != nil {
			return api.RunResult{}, errors.New("the end of stdin canceled the run")
		}
		return api.RunResult{Process: "run.1"}, nil
	}
	c, _ := newTestServer(t, fake)
	input := "hello\n" + strings.Repeat("0123456789", 20_000) + "\nbye\n" // several frames' worth

	res, stdout, stderr, err := runAttached(t, c, strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	if stdout != input || stderr != "" || res.ExitCode != 0 {
		t.Errorf("got exit %d, %d bytes of stdout (want %d), stderr %q", res.ExitCode, len(stdout), len(input), stderr)
	}
	if got := fake.Last().Run; got != (api.RunRequest{Command: "cat", Attach: true}) {
		t.Errorf("platform got %+v", got)
	}
}

func TestRunAttachedStreamsAndExitCode(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	fake.RunFunc = func(_ context.Context, _ api.RunRequest, _ io.Reader, stdout, stderr io.Writer) (api.RunResult, error) {
		fmt.Fprint(stdout, "migrating\n")
		fmt.Fprint(stderr, "error: table exists\n")
		fmt.Fprint(stdout, "done\n")
		return api.RunResult{Process: "run.1", ExitCode: 7}, nil
	}
	c, _ := newTestServer(t, fake)
	res, stdout, stderr, err := runAttached(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 7 || stdout != "migrating\ndone\n" || stderr != "error: table exists\n" {
		t.Errorf("got exit %d, stdout %q, stderr %q", res.ExitCode, stdout, stderr)
	}
}

func TestRunAttachedConcurrentOutput(t *testing.T) {
	const lines = 200
	fake := apiservertest.NewPlatform("hello")
	fake.RunFunc = func(_ context.Context, _ api.RunRequest, _ io.Reader, stdout, stderr io.Writer) (api.RunResult, error) {
		var wg sync.WaitGroup
		for _, w := range []io.Writer{stdout, stderr} {
			wg.Go(func() {
				for i := range lines {
					fmt.Fprintf(w, "line %d\n", i)
				}
			})
		}
		wg.Wait()
		return api.RunResult{}, nil
	}
	c, _ := newTestServer(t, fake)
	_, stdout, stderr, err := runAttached(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i := range lines {
		fmt.Fprintf(&want, "line %d\n", i)
	}
	if stdout != want.String() || stderr != want.String() {
		t.Errorf("output garbled: %d and %d bytes, want %d each", len(stdout), len(stderr), want.Len())
	}
}

func TestRunAttachedPlatformError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no release", fmt.Errorf("%w: hello has no deployed release yet: deploy with git push first", releases.ErrInvalid), "hello has no deployed release yet"},
		{"internal", errors.New("docker: no space left on device"), "docker: no space left on device (details are in the paasd log)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := apiservertest.NewPlatform("hello")
			fake.RunFunc = func(_ context.Context, _ api.RunRequest, _ io.Reader, stdout, _ io.Writer) (api.RunResult, error) {
				fmt.Fprint(stdout, "partial\n")
				return api.RunResult{}, tt.err
			}
			c, _ := newTestServer(t, fake)
			_, stdout, _, err := runAttached(t, c, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if stdout != "partial\n" {
				t.Errorf("stdout = %q, want the output before the error", stdout)
			}
		})
	}
}

func TestRunAttachedRefusedBeforeUpgrade(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, _ := newTestServer(t, fake)
	_, err := c.Run(context.Background(), "nope", api.RunRequest{Command: "ls", Attach: true}, nil, io.Discard, io.Discard)
	if !api.IsNotFound(err) {
		t.Fatalf("run on a missing app: %v, want a JSON not found", err)
	}
	_, err = c.Run(context.Background(), "hello", api.RunRequest{Command: "  ", Attach: true}, nil, io.Discard, io.Discard)
	if e, ok := err.(*api.Error); !ok || e.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e.Message, `"command" is missing`) {
		t.Fatalf("run without a command: %v, want 400", err)
	}
	if got := fake.Last().Method; got == "Run" {
		t.Error("the platform was asked to run")
	}
}

func TestRunAttachedNeedsUpgradeHeaders(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	_, srv := newTestServer(t, fake)
	resp := send(t, srv, http.MethodPost, "/apps/hello/runs", `{"command": "ls", "attach": true}`)
	e := decodeError(t, resp)
	if resp.StatusCode != http.StatusUpgradeRequired || !strings.Contains(e.Message, "Upgrade: paas-run") || resp.Header.Get("Upgrade") != "paas-run" {
		t.Fatalf("got %d %+v, want 426 naming the headers", resp.StatusCode, e)
	}
	if fake.Called() != 0 {
		t.Error("platform was called")
	}
}

func TestRunDetached(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, srv := newTestServer(t, fake)
	res, err := c.Run(context.Background(), "hello", api.RunRequest{Command: "rake cleanup"}, nil, nil, nil)
	if err != nil || res.Process != "run.1" {
		t.Fatalf("run = %+v, %v", res, err)
	}
	if got := fake.Last().Run; got != (api.RunRequest{Command: "rake cleanup"}) {
		t.Errorf("platform got %+v", got)
	}

	resp := send(t, srv, http.MethodPost, "/apps/hello/runs", `{"command": "rake cleanup"}`)
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || body["process"] != "run.1" || body["exit_code"] != 0.0 {
		t.Errorf("got %d %v, want 201 with process and exit_code", resp.StatusCode, body)
	}
	if _, err := c.Run(context.Background(), "nope", api.RunRequest{Command: "ls"}, nil, nil, nil); !api.IsNotFound(err) {
		t.Errorf("detached run on a missing app: %v", err)
	}
}

func TestRunRejectsBadBodies(t *testing.T) {
	for _, body := range []string{``, `{}`, `{"command": ""}`, `{"command": "ls", "tty": true}`, `{"command": ["ls"]}`} {
		fake := apiservertest.NewPlatform("hello")
		_, srv := newTestServer(t, fake)
		resp := send(t, srv, http.MethodPost, "/apps/hello/runs", body)
		if e := decodeError(t, resp); !isRefusal(resp.StatusCode, e.ID) || !strings.Contains(e.Message, runExample) {
			t.Errorf("body %s: got %d %q, want 400 with the example", body, resp.StatusCode, e.Message)
		}
		if fake.Called() != 0 {
			t.Errorf("body %s: platform was called", body)
		}
	}
}

// The handshake has the client's ordinary timeout; the run does not.
func TestRunOutlivesTheHandshakeTimeout(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	fake.RunFunc = func(_ context.Context, _ api.RunRequest, _ io.Reader, stdout, _ io.Writer) (api.RunResult, error) {
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(stdout, "late\n")
		return api.RunResult{ExitCode: 3}, nil
	}
	c, _ := newTestServer(t, fake)
	c.SetTimeout(100 * time.Millisecond)
	res, stdout, _, err := runAttached(t, c, nil)
	if err != nil || res.ExitCode != 3 || stdout != "late\n" {
		t.Fatalf("got exit %d, stdout %q, err %v", res.ExitCode, stdout, err)
	}
}

// A process that never reads its stdin must not lose the client its exit
// status, however much the client sends.
func TestRunUnreadStdin(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	fake.RunFunc = func(context.Context, api.RunRequest, io.Reader, io.Writer, io.Writer) (api.RunResult, error) {
		return api.RunResult{ExitCode: 4}, nil
	}
	c, _ := newTestServer(t, fake)
	res, _, _, err := runAttached(t, c, bytes.NewReader(make([]byte, 4<<20)))
	if err != nil || res.ExitCode != 4 {
		t.Fatalf("got exit %d, err %v", res.ExitCode, err)
	}
}

// A stdin that stays open (a terminal) does not keep Run from returning.
func TestRunReturnsWithStdinOpen(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	fake.RunFunc = func(context.Context, api.RunRequest, io.Reader, io.Writer, io.Writer) (api.RunResult, error) {
		return api.RunResult{ExitCode: 0}, nil
	}
	c, _ := newTestServer(t, fake)
	stdin, stdinW := io.Pipe()
	defer stdinW.Close()
	done := make(chan error, 1)
	go func() {
		_, _, _, err := runAttached(t, c, stdin)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still waits for stdin after the process exited")
	}
}

func TestRunClientGoneStopsTheProcess(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	started, stopped := make(chan struct{}), make(chan error, 1)
	fake.RunFunc = func(ctx context.Context, _ api.RunRequest, _ io.Reader, _, _ io.Writer) (api.RunResult, error) {
		close(started)
		select {
		case <-ctx.Done():
			stopped <- ctx.Err()
			return api.RunResult{}, ctx.Err()
		case <-time.After(10 * time.Second):
			stopped <- nil
			return api.RunResult{}, nil
		}
	}
	c, _ := newRunTestServer(t, fake, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		// After the server has read the end of stdin, so that only its
		// keep-alives can find the client gone.
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	_, err := c.Run(ctx, "hello", api.RunRequest{Command: "sleep 10", Attach: true}, nil, io.Discard, io.Discard)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v, want canceled", err)
	}
	if err := <-stopped; !errors.Is(err, context.Canceled) {
		t.Errorf("the process's context: %v, want canceled once the client left", err)
	}
}

// fakeRunServer upgrades every request and then writes frames as given.
func fakeRunServer(t *testing.T, frames []byte) *api.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fmt.Fprint(rw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: paas-run\r\n\r\n")
		rw.Write(frames)
		rw.Flush()
	}))
	t.Cleanup(srv.Close)
	return api.NewClient(srv.URL, testToken)
}

func frame(kind byte, payload string) []byte {
	b := []byte{kind, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(len(payload)))
	return append(b, payload...)
}

func TestRunClientProtocolErrors(t *testing.T) {
	tests := []struct {
		name   string
		frames []byte
		want   string
	}{
		{"closed without exit", frame(api.FrameStdout, "hi\n"), "closed before the process exited"},
		{"cut inside a frame", frame(api.FrameStdout, "hi\n")[:6], "closed before the process exited"},
		{"oversized frame", []byte{api.FrameStdout, 0xff, 0, 0, 0}, "more than the 32768 the run protocol allows"},
		{"bad exit status", frame(api.FrameExit, "seven"), `exit status "seven", which is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := runAttached(t, fakeRunServer(t, tt.frames), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestRunClientSkipsKeepAlivesAndUnknownKinds(t *testing.T) {
	frames := bytes.Join([][]byte{frame(api.FrameStdout, ""), frame(9, "future"), frame(api.FrameStdout, "a"), frame(api.FrameStderr, "b"), frame(api.FrameExit, "42")}, nil)
	res, stdout, stderr, err := runAttached(t, fakeRunServer(t, frames), nil)
	if err != nil || res.ExitCode != 42 || stdout != "a" || stderr != "b" {
		t.Fatalf("got exit %d, %q, %q, %v", res.ExitCode, stdout, stderr, err)
	}
}

func TestFrameWriterSplitsLongWrites(t *testing.T) {
	var buf bytes.Buffer
	fw := api.NewFrameWriter(&buf, nil)
	payload := strings.Repeat("x", 2*api.MaxFramePayload+10)
	if n, err := fw.Stream(api.FrameStderr).Write([]byte(payload)); n != len(payload) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if err := fw.Finish(api.FrameExit, []byte("0")); err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Stream(api.FrameStdout).Write([]byte("late")); !errors.Is(err, api.ErrRunOver) {
		t.Errorf("a write after the final frame: %v, want ErrRunOver", err)
	}
	r := bufio.NewReader(&buf)
	var got []int
	for {
		kind, p, err := api.ReadFrame(r)
		if err != nil {
			break
		}
		got = append(got, int(kind), len(p))
	}
	want := []int{2, api.MaxFramePayload, 2, api.MaxFramePayload, 2, 10, 3, 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("frames (kind, length) = %v, want %v", got, want)
	}
}

// A client may send stdin right behind the request, before the 101: those
// bytes are the process's too.
func TestRunRawClientSendsStdinEarly(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	fake.RunFunc = func(_ context.Context, _ api.RunRequest, stdin io.Reader, stdout, _ io.Writer) (api.RunResult, error) {
		_, err := io.Copy(stdout, stdin)
		return api.RunResult{ExitCode: 5}, err
	}
	_, srv := newTestServer(t, fake)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"command": "cat", "attach": true}`
	fmt.Fprintf(conn, "POST /apps/hello/runs HTTP/1.1\r\nHost: paas\r\nAuthorization: Bearer %s\r\n"+
		"Connection: Upgrade\r\nUpgrade: paas-run\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%searly input\n",
		testToken, len(body), body)
	conn.(*net.TCPConn).CloseWrite()

	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != "paas-run" {
		t.Fatalf("got %s %v", resp.Status, resp.Header)
	}
	var stdout strings.Builder
	for {
		kind, payload, err := api.ReadFrame(r)
		if err != nil {
			t.Fatalf("read frame: %v (stdout so far %q)", err, stdout.String())
		}
		if kind == api.FrameStdout {
			stdout.Write(payload)
			continue
		}
		if kind != api.FrameExit || string(payload) != "5" || stdout.String() != "early input\n" {
			t.Fatalf("ended with frame %d %q after stdout %q", kind, payload, stdout.String())
		}
		break
	}
	if _, _, err := api.ReadFrame(r); !errors.Is(err, io.EOF) {
		t.Errorf("after the exit frame: %v, want the server to close", err)
	}
}

// gatedApp holds App until the test lets it go, so that the client can leave
// before the upgrade.
type gatedApp struct {
	*apiservertest.Platform
	entered, release chan struct{}
}

func (g gatedApp) App(ctx context.Context, name string) (api.App, error) {
	close(g.entered)
	<-g.release
	return g.Platform.App(ctx, name)
}

func TestRunNotStartedForAClientGoneBeforeTheUpgrade(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	var runs atomic.Int32
	fake.RunFunc = func(context.Context, api.RunRequest, io.Reader, io.Writer, io.Writer) (api.RunResult, error) {
		runs.Add(1)
		return api.RunResult{}, nil
	}
	g := gatedApp{fake, make(chan struct{}), make(chan struct{})}
	s := &server{p: g, log: slog.New(slog.NewTextHandler(io.Discard, nil)), runKeepAlive: time.Minute, runLinger: defaultRunLinger}
	r := mux.NewRouter()
	s.routes(r)
	handled := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		defer close(handled)
		auth.Middleware(testToken)(r).ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	body := `{"command": "echo hi", "attach": true}`
	fmt.Fprintf(conn, "POST /apps/hello/runs HTTP/1.1\r\nHost: paas\r\nAuthorization: Bearer %s\r\nConnection: Upgrade\r\nUpgrade: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		testToken, api.RunProtocol, len(body), body)
	select {
	case <-g.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the platform")
	}
	_ = conn.(*net.TCPConn).SetLinger(0) // close with a reset: the server's next write fails
	conn.Close()
	close(g.release)
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not return")
	}
	if n := runs.Load(); n != 0 {
		t.Errorf("the process started %d time(s) for a client that left before the upgrade", n)
	}
}
