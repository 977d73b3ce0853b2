package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/releases"
)

// shellFake runs commands a little like sh would: "cat" copies stdin, "exit
// N" exits with N, anything else prints its words and a warning.
func shellFake() *apiservertest.Platform {
	fake := apiservertest.NewPlatform("hello")
	fake.RunFunc = func(_ context.Context, req api.RunRequest, stdin io.Reader, stdout, stderr io.Writer) (api.RunResult, error) {
		var code int
		switch {
		case req.Command == "cat":
			if _, err := io.Copy(stdout, stdin); err != nil {
				return api.RunResult{}, err
			}
		case strings.HasPrefix(req.Command, "exit "):
			fmt.Sscan(strings.TrimPrefix(req.Command, "exit "), &code)
			fmt.Fprintln(stderr, "exiting")
		default:
			fmt.Fprintln(stdout, req.Command)
			fmt.Fprintln(stderr, "warning: fake shell")
		}
		return api.RunResult{Process: "run.1", ExitCode: code}, nil
	}
	return fake
}

func TestRunAttached(t *testing.T) {
	fake := shellFake()
	startDaemon(t, fake)
	r := paasctl(t, "", "run", "-a", "hello", "ls", "-la", "/app")
	if r.code != 0 || r.stdout != "ls -la /app\n" || r.stderr != "warning: fake shell\n" {
		t.Errorf("run ls -la: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if _, _, _, _, runs := asked(fake); len(runs) != 1 || runs[0] != (api.RunRequest{Command: "ls -la /app", Attach: true}) {
		t.Errorf("platform got %+v", runs)
	}
}

func TestRunPassesStdin(t *testing.T) {
	startDaemon(t, shellFake())
	input := "select 1;\n" + strings.Repeat("x", 100_000) + "\n"
	if out := paasctl(t, input, "run", "-a", "hello", "cat").mustSucceed(t); out != input {
		t.Errorf("cat gave back %d bytes, want %d", len(out), len(input))
	}
}

func TestRunExitStatus(t *testing.T) {
	startDaemon(t, shellFake())
	r := paasctl(t, "", "run", "-a", "hello", "exit", "7")
	if r.code != 7 || r.stderr != "exiting\n" {
		t.Errorf("exit 7: paasctl exited %d, stderr %q; want 7 and only the process's stderr", r.code, r.stderr)
	}
	var out, errOut bytes.Buffer
	if code := Run([]string{"run", "-a", "hello", "exit 300"}, strings.NewReader(""), &out, &errOut); code != 255 {
		t.Errorf("Run of exit 300 = %d, want 255", code)
	}
}

func TestRunDetached(t *testing.T) {
	fake := shellFake()
	fake.RunFunc = nil // detached: run.1 at once
	startDaemon(t, fake)
	for _, flag := range []string{"-d", "--detach"} {
		out := paasctl(t, "", "run", flag, "-a", "hello", "rake", "cleanup").mustSucceed(t)
		if out != "Running rake cleanup on hello... up, run.1\n" {
			t.Errorf("run %s printed %q", flag, out)
		}
	}
	if _, _, _, _, runs := asked(fake); len(runs) != 2 || runs[1] != (api.RunRequest{Command: "rake cleanup"}) {
		t.Errorf("platform got %+v", runs)
	}
}

// Everything from the command on is the command's, flags included.
func TestRunFlagsAfterTheCommandAreItsOwn(t *testing.T) {
	fake := shellFake()
	startDaemon(t, fake)
	if out := paasctl(t, "", "run", "-a", "hello", "echo", "--help", "-d").mustSucceed(t); out != "echo --help -d\n" {
		t.Errorf("run echo --help -d printed %q", out)
	}
	if out := paasctl(t, "", "-a", "hello", "run", "--", "ls", "-a").mustSucceed(t); out != "ls -a\n" {
		t.Errorf("-a before run: %q", out)
	}
	paasctl(t, "", "run", "ls", "-a", "hello").mustFail(t, "no app specified")
	if out := paasctl(t, "", "run", "--help").mustSucceed(t); !strings.Contains(out, "Flags, -a included, go before COMMAND") {
		t.Errorf("run --help: %q", out)
	}
}

func TestRunErrors(t *testing.T) {
	fake := shellFake()
	fake.RunFunc = func(context.Context, api.RunRequest, io.Reader, io.Writer, io.Writer) (api.RunResult, error) {
		return api.RunResult{}, fmt.Errorf("%w: hello has no deployed release yet: deploy with git push first", releases.ErrInvalid)
	}
	startDaemon(t, fake)
	paasctl(t, "", "run").mustFail(t, "missing COMMAND: usage: paasctl run [-d] COMMAND...\n")
	paasctl(t, "", "run", "-a", "nope", "ls").mustFail(t, "not found", "paasctl apps")
	paasctl(t, "", "run", "-a", "hello", "ls").mustFail(t, "hello has no deployed release yet")
	r := paasctl(t, "", "run", "-d", "-a", "hello", "ls")
	r.mustFail(t, "hello has no deployed release yet")
	if r.stdout != "Running ls on hello... failed\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
}

// Several arguments reach the process exactly; one is a shell command line.
func TestShellCommandKeepsEveryArgument(t *testing.T) {
	args := []string{"printf", `[%s]\n`, "a b", "it's", "$HOME", "", "*", "x=y", `back\slash`, "\"q\"", "tab\there", "new\nline", "-n"}
	line := shellCommand(args)
	out, err := exec.Command("/bin/sh", "-c", line).Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", line, err)
	}
	want := ""
	for _, a := range args[2:] {
		want += "[" + a + "]\n"
	}
	if string(out) != want {
		t.Errorf("sh -c %q printed\n%q\nwant\n%q", line, out, want)
	}
	if got := shellCommand([]string{"echo $PAAS_RELEASE; exit 3"}); got != "echo $PAAS_RELEASE; exit 3" {
		t.Errorf("one argument became %q, want it as written", got)
	}
	if got := shellCommand([]string{"rake", "db:migrate", "-v"}); got != "rake db:migrate -v" {
		t.Errorf("plain words became %q", got)
	}
	if got := shellCommand([]string{"FOO=bar", "env"}); got != "'FOO=bar' env" {
		t.Errorf("a first word with = became %q: sh would take it for an assignment", got)
	}
}

func TestRunQuotesSeveralArguments(t *testing.T) {
	fake := shellFake()
	fake.RunFunc = nil // what was asked for is all this test reads
	startDaemon(t, fake)
	paasctl(t, "", "run", "-a", "hello", "--", "sh", "-c", "echo one-off; exit 3")
	paasctl(t, "", "run", "-d", "-a", "hello", "sh", "-c", "echo $PAAS_PROCESS")
	paasctl(t, "", "run", "-a", "hello", "echo $PAAS_RELEASE")
	want := []api.RunRequest{
		{Command: "sh -c 'echo one-off; exit 3'", Attach: true},
		{Command: "sh -c 'echo $PAAS_PROCESS'"},
		{Command: "echo $PAAS_RELEASE", Attach: true},
	}
	if _, _, _, _, runs := asked(fake); !slices.Equal(runs, want) {
		t.Errorf("platform got %+v\nwant %+v", runs, want)
	}
}
