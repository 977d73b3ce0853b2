package platform

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
)

// DefaultBuildConcurrency is Options.BuildConcurrency when unset: one
// build at a time leaves the machine's other cores to the apps running.
const DefaultBuildConcurrency = 1

// buildQueue admits at most its capacity of builds at once; the others
// wait, in the order they came, and say what they wait for.
type buildQueue struct {
	slots chan struct{}

	mu      sync.Mutex
	running []string // what each build holding a slot is, for the waiting
}

func newBuildQueue(n int) *buildQueue {
	if n <= 0 {
		n = DefaultBuildConcurrency
	}
	return &buildQueue{slots: make(chan struct{}, n)}
}

// acquire waits for a slot for the build what ("app (build id)"), telling
// out once when it has to wait. It gives up when ctx ends.
func (q *buildQueue) acquire(ctx context.Context, what string, out io.Writer) (release func(), err error) {
	select {
	case q.slots <- struct{}{}:
	default:
		q.mu.Lock()
		busy := strings.Join(q.running, ", ")
		q.mu.Unlock()
		step(out, "Waiting for a build slot: %d of %d in use (PAAS_BUILD_CONCURRENCY), building %s", cap(q.slots), cap(q.slots), busy)
		select {
		case q.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	q.mu.Lock()
	q.running = append(q.running, what)
	q.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			q.mu.Lock()
			if i := slices.Index(q.running, what); i >= 0 {
				q.running = slices.Delete(q.running, i, i+1)
			}
			q.mu.Unlock()
			<-q.slots
		})
	}, nil
}
