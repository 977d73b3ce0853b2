package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/releases"
)

// Defaults of the caps every build runs under (Options).
const (
	// DefaultBuildMemory caps each build step's memory, swap included.
	DefaultBuildMemory int64 = 2 << 30
	// DefaultBuildTimeout caps a build, from leaving the queue to its
	// image, stack images made on the way included.
	DefaultBuildTimeout = 30 * time.Minute
)

// errBuildTimeout is the cause of a build's end at Options.BuildTimeout.
var errBuildTimeout = errors.New("build time limit reached")

// queuedBuild waits for a build slot, then builds push's image under the
// build's time and memory limits. The slot is let go once the image is
// built (or not): releasing takes none. started is called on leaving the
// queue.
func (p *Platform) queuedBuild(ctx context.Context, push builder.Push, det builder.Detection, run *buildRun, tag string, out io.Writer, started func()) (string, error) {
	release, err := p.queue.acquire(ctx, push.App+" (build "+run.id[:8]+")", out)
	if err != nil {
		return "", p.buildFailure(ctx, err)
	}
	defer release()
	p.updateRun(run, func(r *releases.BuildRun) {
		r.Status, r.StartedAt, r.Builder = releases.BuildRunBuilding, time.Now().UTC(), string(det.Language)
	})
	started()
	bctx, cancel := context.WithTimeoutCause(ctx, p.opts.BuildTimeout, errBuildTimeout)
	defer cancel()
	imageID, err := p.buildImage(bctx, push, det, tag, out)
	run.setCancel(nil) // built or not: from here on it releases, or ends
	return imageID, err
}

// buildFailure says why a build failed, naming the limit it hit.
func (p *Platform) buildFailure(ctx context.Context, err error) error {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errBuildCancelled):
		return errBuildCancelled
	case errors.Is(cause, errBuildTimeout):
		return fmt.Errorf("build failed: it ran past the build time limit of %s (PAAS_BUILD_TIMEOUT): make it faster, or raise the limit", p.opts.BuildTimeout)
	}
	var be *builder.BuildError
	if errors.As(err, &be) && killed(be) {
		return fmt.Errorf("build failed: %w: a build step was killed, most likely at the build memory limit of %s (PAAS_BUILD_MEMORY): make the step use less memory, or raise the limit", err, api.FormatMemory(p.opts.BuildMemory))
	}
	return fmt.Errorf("build failed: %w", err)
}

// killed says whether a build step ended by SIGKILL, as the kernel's OOM
// killer ends a step over its cgroup's memory limit: the classic builder
// reports "returned a non-zero code: 137".
func killed(be *builder.BuildError) bool {
	return be.Code == 137 || strings.HasSuffix(strings.TrimSpace(be.Message), "non-zero code: 137")
}
