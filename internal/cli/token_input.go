package cli

import (
	"golang.org/x/term"

	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
)

// readToken reads one line from in. On a terminal it prompts on errOut and
// turns echo off, so the token does not stay on the screen.
func readToken(ctx context.Context, in io.Reader, errOut io.Writer, serverURL string) (string, error) {
	f, ok := in.(*os.File)
	if !ok || !isTerminal(f) {
		return readLine(in)
	}
	fmt.Fprintf(errOut, "API token for %s (input is hidden): ", serverURL)
	defer fmt.Fprintln(errOut)
	if err := stty(f, "-echo"); err != nil {
		// No stty: reading with echo still works.
		return readLine(in)
	}
	defer func() { _ = stty(f, "echo") }()

	// Ctrl-C must not leave the terminal without echo, so it ends the read
	// here instead of killing the process.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := readLine(in)
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		return r.line, r.err
	case <-ctx.Done():
		return "", errors.New("login interrupted")
	}
}

func readLine(in io.Reader) (string, error) {
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the token: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// isTerminal asks the terminal driver, as a mode bit would also take
// /dev/null (a character device) for one.
func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// stty changes the terminal's mode; the terminal is its standard input.
func stty(tty *os.File, mode string) error {
	cmd := exec.Command("stty", mode)
	cmd.Stdin = tty
	return cmd.Run()
}
