package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/paas-dev/paas/api"
)

// openPTY gives a pseudo-terminal: what is written to tty is read from master.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("name the pseudo-terminal: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the pseudo-terminal's tty: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	termios, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	termios.Oflag &^= unix.OPOST // bytes as written: no \n to \r\n
	if err := unix.IoctlSetTermios(int(tty.Fd()), unix.TCSETS, termios); err != nil {
		t.Fatal(err)
	}
	return master, tty
}

func TestLogsEscapeControlsOnATerminalOnly(t *testing.T) {
	s := startLogsDaemon(t)
	s.lines = []api.LogLine{{Time: logsT0, App: "hello", Source: "app", Process: "web.1", Message: "\x1b]0;pwned\x07\x1b[2Jgone"}}
	master, tty := openPTY(t)
	var errOut bytes.Buffer
	code := run(context.Background(), []string{"logs", "-a", "hello"}, strings.NewReader(""), tty, &errOut)
	if code != 0 {
		t.Fatalf("logs on a terminal: exit %d, %s", code, errOut.String())
	}
	tty.Close()
	got, _ := io.ReadAll(master) // ends with EIO once the tty is closed
	want := `2026-11-26T09:00:00.123456Z app[web.1]: \x1b]0;pwned\x07\x1b[2Jgone` + "\n"
	if string(got) != want {
		t.Errorf("on a terminal:\n%q\nwant\n%q", got, want)
	}
	if out := paasctl(t, "", "logs", "-a", "hello").mustSucceed(t); !strings.Contains(out, "\x1b]0;pwned\x07\x1b[2Jgone") {
		t.Errorf("piped output must keep every byte: %q", out)
	}
}
