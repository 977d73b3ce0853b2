package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// remoteName is the git remote that ties a checkout to its app.
const remoteName = "paas"

// errGitNotFound is returned when git is not on PATH.
var errGitNotFound = errors.New("git is not installed or not on PATH: install git")

// gitError is a git command that ran and failed.
type gitError struct {
	args     []string
	exitCode int
	stderr   string
}

func (e *gitError) Error() string {
	msg := "git " + strings.Join(e.args, " ") + " failed"
	if e.stderr != "" {
		msg += ": " + e.stderr
	}
	return msg
}

// git runs git with args (never through a shell) in the current directory
// and returns its trimmed standard output.
func git(ctx context.Context, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return "", errGitNotFound
	case errors.As(err, &exitErr):
		return "", &gitError{args: args, exitCode: exitErr.ExitCode(), stderr: strings.TrimSpace(stderr.String())}
	case err != nil:
		return "", fmt.Errorf("run git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(stdout.String()), nil
}
