package runner

import (
	"context"
	"io"
	"testing"
)

// A create the engine finished after the daemon that asked for it died is
// removed; what the runner is creating or holds is not.
func TestSweepRemovesContainersNeverStarted(t *testing.T) {
	r, be, _, _ := newTestRunner(t, Options{})
	ctx := context.Background()
	rel := release("hello", 1)
	if err := r.Deploy(ctx, Spec{Release: rel, Formation: map[string]int{"web": 1}}, io.Discard); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{LabelApp: "hello", LabelDaemon: testDaemon, LabelRelease: "v2", LabelProcess: "web.1", LabelType: "web"}
	be.mu.Lock()
	be.containers["late"] = &Container{ID: "late", Name: "paas-hello-web.1-v2-late", Labels: labels}
	be.containers["mine"] = &Container{ID: "mine", Name: "paas-hello-web.1-v2-mine", Labels: labels}
	be.mu.Unlock()
	done := r.creatingContainer("paas-hello-web.1-v2-mine")
	defer done()

	r.sweepUnstarted(ctx)
	be.mu.Lock()
	defer be.mu.Unlock()
	if _, ok := be.containers["late"]; ok {
		t.Error("a container created but never started was left")
	}
	if _, ok := be.containers["mine"]; !ok {
		t.Error("a container being created was removed")
	}
	running := 0
	for _, c := range be.containers {
		if c.Running {
			running++
		}
	}
	if running != 1 {
		t.Errorf("%d running containers after the sweep, want web.1's", running)
	}
}
