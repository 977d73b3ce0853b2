package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/paas-dev/paas/internal/dockertest"
)

// label marks the bench's containers, should one outlive it.
const label = "paas.bench"

// bench owns the image and the containers of one run.
type bench struct {
	cli    *client.Client
	cfg    config
	suffix string // in every name, so runs on one machine never collide
	image  string

	profiled bool // -cpuprofile has been written

	mu         sync.Mutex
	containers map[string]bool // created and not yet removed
}

func newBench(cli *client.Client, cfg config) *bench {
	return &bench{cli: cli, cfg: cfg, suffix: dockertest.RandomSuffix(), containers: map[string]bool{}}
}

// importImage imports the host's busybox as an image of its own, the way
// dockertest.BusyboxImage does: nothing is pulled.
func (b *bench) importImage(ctx context.Context) error {
	rootfs, err := dockertest.BusyboxRootfs()
	if err != nil {
		return err
	}
	ref := "paas-bench-busybox:" + b.suffix
	ictx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	rc, err := b.cli.ImageImport(ictx, image.ImportSource{Source: bytes.NewReader(rootfs), SourceName: "-"}, ref,
		image.ImportOptions{Changes: []string{`ENV PATH=/bin`}})
	if err != nil {
		return fmt.Errorf("import busybox image: %w", err)
	}
	_, err = io.Copy(io.Discard, rc)
	_ = rc.Close()
	b.image = ref // removed by cleanup even if the import's stream failed
	if err != nil {
		return fmt.Errorf("import busybox image: %w", err)
	}
	return nil
}

// script writes the container's lines: "c<i> <n>", padded to the line width.
func (b *bench) script(i int) string {
	prefix := fmt.Sprintf("c%d ", i)
	pad := b.cfg.width - len(prefix) - len(fmt.Sprint(b.cfg.lines)) - 1
	sed := fmt.Sprintf("s/^/%s/", prefix)
	if b.cfg.width > 0 && pad > 0 {
		sed += fmt.Sprintf(";s/$/ %s/", strings.Repeat("x", pad))
	}
	return fmt.Sprintf("seq 1 %d | sed '%s'", b.cfg.lines, sed)
}

// createContainers creates (without starting) cfg.containers writers.
func (b *bench) createContainers(ctx context.Context, phase string) ([]string, error) {
	ids := make([]string, b.cfg.containers)
	for i := range ids {
		id, err := b.create(ctx, fmt.Sprintf("paas-logbench-%s-%s-%d", b.suffix, phase, i), []string{"sh", "-c", b.script(i)})
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

// create makes a container with the engine's default log settings, as paasd's
// containers have.
func (b *bench) create(ctx context.Context, name string, cmd []string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, err := b.cli.ContainerCreate(cctx, &container.Config{
		Image:  b.image,
		Cmd:    cmd,
		Labels: map[string]string{label: "logbench-" + b.suffix},
	}, nil, nil, nil, name)
	if err != nil {
		return "", fmt.Errorf("create container: %w", err)
	}
	b.mu.Lock()
	b.containers[c.ID] = true
	b.mu.Unlock()
	return c.ID, nil
}

// startEach starts every container at once (when live) and calls then with
// each right after its start; not live, it calls then for each at once.
func (b *bench) startEach(ctx context.Context, ids []string, live bool, then func(i int, id string) error) error {
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			if live {
				if err := b.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
					errs[i] = fmt.Errorf("start container: %w", err)
					return
				}
			}
			errs[i] = then(i, id)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// watchExits must be called before the containers start. exited is closed
// once all of them have exited (or could not be watched); last waits for
// that and returns when the last one exited (zero if that could not be seen).
func (b *bench) watchExits(ctx context.Context, ids []string) (exited <-chan struct{}, last func() time.Time) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	times := make([]time.Time, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		okc, errc := b.cli.ContainerWait(ctx, id, container.WaitConditionNextExit)
		wg.Go(func() {
			select {
			case <-okc:
				times[i] = time.Now()
			case <-errc:
			}
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		cancel()
		close(done)
	}()
	return done, func() time.Time {
		<-done
		var last time.Time
		for _, t := range times {
			if t.IsZero() {
				return time.Time{}
			}
			if t.After(last) {
				last = t
			}
		}
		return last
	}
}

// warmUp runs one short container, so the image's first start (mounts,
// caches) is not part of a measurement.
func (b *bench) warmUp(ctx context.Context) error {
	id, err := b.create(ctx, "paas-logbench-"+b.suffix+"-warmup", []string{"true"})
	if err != nil {
		return err
	}
	defer b.removeContainers([]string{id})
	return b.runToEnd(ctx, []string{id})
}

// writeAll creates a set of writers and lets them write everything: for
// -mode finished.
func (b *bench) writeAll(ctx context.Context, phase string) ([]string, error) {
	ids, err := b.createContainers(ctx, phase)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "logbench: %s: writing %d x %d lines before reading\n", phase, len(ids), b.cfg.lines)
	return ids, b.runToEnd(ctx, ids)
}

// runToEnd starts the containers and waits for them to exit with status 0.
func (b *bench) runToEnd(ctx context.Context, ids []string) error {
	wctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	defer cancel()
	type waiter struct {
		ok  <-chan container.WaitResponse
		err <-chan error
	}
	ws := make([]waiter, len(ids))
	for i, id := range ids {
		ws[i].ok, ws[i].err = b.cli.ContainerWait(wctx, id, container.WaitConditionNextExit)
	}
	if err := b.startEach(wctx, ids, true, func(int, string) error { return nil }); err != nil {
		return err
	}
	for _, w := range ws {
		select {
		case r := <-w.ok:
			if r.StatusCode != 0 {
				return fmt.Errorf("a writer container exited with status %d", r.StatusCode)
			}
		case err := <-w.err:
			return fmt.Errorf("wait for a writer container: %w", err)
		}
	}
	return nil
}

// engineLines counts the lines the engine holds for a container, read
// without following.
func (b *bench) engineLines(id string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rc, err := b.cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	var n lineCounter
	_, err = stdcopy.StdCopy(&n, &n, rc)
	return int(n), err
}

type lineCounter int

func (c *lineCounter) Write(p []byte) (int, error) {
	*c += lineCounter(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// removeContainers removes containers (and with them their logs).
func (b *bench) removeContainers(ids []string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, id := range ids {
		err := b.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			fmt.Fprintf(os.Stderr, "logbench: remove container %.12s: %v\n", id, err)
			continue
		}
		b.mu.Lock()
		delete(b.containers, id)
		b.mu.Unlock()
	}
}

// cleanup removes what is left: containers, then the image.
func (b *bench) cleanup() {
	b.mu.Lock()
	var ids []string
	for id := range b.containers {
		ids = append(ids, id)
	}
	b.mu.Unlock()
	b.removeContainers(ids)
	if b.image == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := b.cli.ImageRemove(ctx, b.image, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
		fmt.Fprintf(os.Stderr, "logbench: remove image %s: %v\n", b.image, err)
	}
}
