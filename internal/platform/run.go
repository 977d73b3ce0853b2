package platform

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/runner"
)

// Run runs a one-off process (run.N) from the current release's image with
// its config: attached to the caller's streams, or detached with its output
// only in the log stream.
func (p *Platform) Run(ctx context.Context, app string, req api.RunRequest, stdin io.Reader, stdout, stderr io.Writer) (api.RunResult, error) {
	rel, err := p.currentBuild(app)
	if err != nil {
		return api.RunResult{}, err
	}
	command := strings.TrimSpace(req.Command)
	if command == "" {
		return api.RunResult{}, fmt.Errorf("%w: give a command to run, e.g. paasctl run sh", releases.ErrInvalid)
	}
	st, err := p.store.Settings(app)
	if err != nil {
		return api.RunResult{}, err
	}
	o := runner.OneOff{Release: rel, Type: "run", Command: command, Detach: !req.Attach,
		Memory: st.Memory["run"], PIDs: st.PIDs["run"], CPUShares: st.CPUShares["run"]}
	if req.Attach {
		o.Stdin, o.Stdout, o.Stderr = stdin, stdout, stderr
	}
	res, err := p.runner.RunOneOff(ctx, o)
	if err != nil {
		return api.RunResult{}, fmt.Errorf("run %q: %w", command, err)
	}
	return api.RunResult{Process: res.Process, ExitCode: res.ExitCode}, nil
}

// releasePhase runs the release's `release:` command, if any, before it goes
// live; a failure keeps the release from going live.
func (p *Platform) releasePhase(ctx context.Context, rel releases.Release, out io.Writer) error {
	cmd := rel.Processes[releaseType]
	if cmd == "" {
		return nil
	}
	step(out, "Running release command: %s", cmd)
	st, err := p.store.Settings(rel.App)
	if err != nil {
		return err
	}
	res, err := p.runner.RunOneOff(ctx, runner.OneOff{Release: rel, Type: releaseType, Command: cmd, Stdout: out, Stderr: out,
		Memory: st.Memory[releaseType], PIDs: st.PIDs[releaseType], CPUShares: st.CPUShares[releaseType]})
	if err != nil {
		return fmt.Errorf("release command: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("release command exited with status %d", res.ExitCode)
	}
	return nil
}
