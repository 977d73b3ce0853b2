package daemon

import (
	"context"
	"io"

	"github.com/paas-dev/paas/internal/builder"
)

// stacksFor are the stack images the config names, made on engine.
func stacksFor(cfg Config, engine builder.StackEngine) *builder.Stacks {
	return builder.NewStacks(engine, builder.StackOptions{BaseImage: cfg.StackImage, Mirror: cfg.StackMirror})
}

// PrepareStacks makes every stack image the Docker Engine lacks, with the
// progress on out (paasd stacks, make stacks), so that no push waits for
// them.
func PrepareStacks(ctx context.Context, cfg Config, out io.Writer) error {
	docker, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer docker.Close()
	return stacksFor(cfg, docker).Prepare(ctx, out)
}
