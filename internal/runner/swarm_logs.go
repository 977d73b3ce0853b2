package runner

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/swarm"
)

// taskEndCheck is how often a followed task is asked whether it still runs:
// the manager's stream of a task's output does not end when the task does.
const taskEndCheck = time.Second

// SwarmLogs gives the log collector the output of a swarm's tasks through
// the manager, for the IDs Swarm hands it ("task/<id>"), and of containers
// on the manager's engine (one-offs, add-ons) for the others. A task's
// stream ends once the task no longer runs, as a container's does.
type SwarmLogs struct {
	API SwarmAPI
}

// ContainerLogs is the collector's view of both kinds of output.
func (l SwarmLogs) ContainerLogs(ctx context.Context, id string, opts container.LogsOptions) (io.ReadCloser, error) {
	task, ok := strings.CutPrefix(id, taskLogPrefix)
	if !ok {
		return l.API.ContainerLogs(ctx, id, opts)
	}
	t, _, err := l.API.TaskInspectWithRaw(ctx, task)
	if err != nil {
		return nil, err
	}
	if !taskRuns(t) {
		opts.Follow = false
		return l.API.TaskLogs(ctx, task, opts)
	}
	ctx, cancel := context.WithCancel(ctx)
	rc, err := l.API.TaskLogs(ctx, task, opts)
	if err != nil {
		cancel()
		return nil, err
	}
	tr := &taskReader{rc: rc, cancel: cancel}
	go tr.watch(ctx, l.API, task)
	return tr, nil
}

// taskRuns says whether a task runs, or is meant to.
func taskRuns(t swarm.Task) bool {
	return t.DesiredState == swarm.TaskStateRunning || t.Status.State == swarm.TaskStateRunning
}

// taskReader ends a task's stream, cleanly, once the task has ended.
type taskReader struct {
	rc     io.ReadCloser
	cancel context.CancelFunc
	ended  atomic.Bool
}

func (r *taskReader) watch(ctx context.Context, api SwarmAPI, task string) {
	tick := time.NewTicker(taskEndCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t, _, err := api.TaskInspectWithRaw(ctx, task)
		if (err == nil && !taskRuns(t)) || isNotFound(err) {
			r.ended.Store(true)
			r.cancel()
			return
		}
	}
}

func (r *taskReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if err != nil && r.ended.Load() && !errors.Is(err, io.EOF) {
		// Cut off because the task ended: the collector reads the rest
		// once more, without following.
		err = io.EOF
	}
	return n, err
}

func (r *taskReader) Close() error {
	r.cancel()
	return r.rc.Close()
}
