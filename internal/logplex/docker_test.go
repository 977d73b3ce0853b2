package logplex

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/internal/dockertest"
)

// startContainer runs cmd in a busybox container, removed when the test ends.
func startContainer(t *testing.T, cli *client.Client, image, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	created, err := cli.ContainerCreate(ctx, &container.Config{
		Image:  image,
		Cmd:    []string{"sh", "-c", script},
		Labels: map[string]string{"paas.test": "logplex"},
	}, nil, nil, nil, "paas-logplex-test-"+dockertest.RandomSuffix())
	if err != nil {
		t.Fatalf("create container: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := cli.ContainerRemove(ctx, created.ID, container.RemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove container: %v", err)
		}
	})
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatalf("start container: %v", err)
	}
	return created.ID
}

// lineNumbers reads "line N" messages.
func lineNumbers(t *testing.T, lines []Line) []int {
	t.Helper()
	var out []int
	for _, l := range lines {
		n, err := strconv.Atoi(strings.TrimPrefix(l.Message, "line "))
		if err != nil {
			t.Fatalf("unexpected line %q", l.String())
		}
		out = append(out, n)
	}
	return out
}

func oneTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func TestDockerCollectsStdoutAndStderr(t *testing.T) {
	cli := dockertest.Client(t)
	image := dockertest.BusyboxImage(t, cli)
	// Odd lines to stdout, even ones to stderr.
	id := startContainer(t, cli, image, `i=1; while [ $i -le 1000 ]; do if [ $((i % 2)) -eq 1 ]; then echo "line $i"; else echo "line $i" >&2; fi; i=$((i+1)); done`)
	p := newLogplex(t, Options{Docker: cli, Dir: t.TempDir()})
	p.ProcessStarted("hello", "web.1", id)
	waitFor(t, "the container to end and its lines to be read", func() bool { return following(p) == 0 })

	got := backlog(p, "hello")
	for _, l := range got {
		if l.App != "hello" || l.Source != SourceApp || l.Process != "web.1" {
			t.Fatalf("line %q is not app[web.1] of hello", l.String())
		}
	}
	// The engine reads stdout and stderr through two pipes, each copied on its
	// own (docker logs shows the same): each stream keeps its order, but a
	// fast writer's streams can interleave in any way.
	nums := lineNumbers(t, got)
	if sorted := slices.Sorted(slices.Values(nums)); !slices.Equal(sorted, oneTo(1000)) {
		t.Fatalf("got %d lines, not 1 to 1000 once each", len(nums))
	}
	var odd, even []int
	for _, n := range nums {
		if n%2 == 1 {
			odd = append(odd, n)
		} else {
			even = append(even, n)
		}
	}
	if !slices.IsSorted(odd) || !slices.IsSorted(even) {
		t.Errorf("stdout lines %s, stderr lines %s", firstDisorder(odd), firstDisorder(even))
	}
}

func firstDisorder(nums []int) string {
	for i := 1; i < len(nums); i++ {
		if nums[i] < nums[i-1] {
			return fmt.Sprintf("%d after %d at %d", nums[i], nums[i-1], i)
		}
	}
	return "in order"
}

func TestDockerSplitsLongLines(t *testing.T) {
	cli := dockertest.Client(t)
	image := dockertest.BusyboxImage(t, cli)
	id := startContainer(t, cli, image, `echo before; head -c 150000 /dev/zero | tr '\0' x; echo; echo after`)
	p := newLogplex(t, Options{Docker: cli})
	p.ProcessStarted("hello", "web.1", id)
	waitFor(t, "the container to end", func() bool { return following(p) == 0 })
	long := strings.Repeat("x", 150000)
	want := []string{"before", long[:MaxLineBytes], long[MaxLineBytes : 2*MaxLineBytes], long[2*MaxLineBytes:], "after"}
	if got := messages(backlog(p, "hello")); !slices.Equal(got, want) {
		var sizes []int
		for _, m := range got {
			sizes = append(sizes, len(m))
		}
		t.Errorf("got lines of %v bytes, want before, 64 KiB, 64 KiB, the rest, after", sizes)
	}
}

// paasd stops while a container writes, and starts again: the stream has
// every line once.
func TestDockerResumeAfterRestart(t *testing.T) {
	cli := dockertest.Client(t)
	image := dockertest.BusyboxImage(t, cli)
	id := startContainer(t, cli, image, `i=1; while [ $i -le 300 ]; do echo "line $i"; i=$((i+1)); sleep 0.01; done`)
	dir := t.TempDir()
	p := newLogplex(t, Options{Docker: cli, Dir: dir})
	p.ProcessStarted("hello", "web.1", id)
	waitFor(t, "50 lines", func() bool { return len(backlog(p, "hello")) >= 50 })
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the container writes on meanwhile

	p = newLogplex(t, Options{Docker: cli, Dir: dir})
	resumedAt := len(backlog(p, "hello"))
	p.ProcessStarted("hello", "web.1", id)
	waitFor(t, "the container to end", func() bool { return following(p) == 0 })
	if got := lineNumbers(t, backlog(p, "hello")); !slices.Equal(got, oneTo(300)) {
		t.Errorf("resumed after line %d; got %d lines, want 1 to 300 once each in order (%s)", resumedAt, len(got), firstDisorder(got))
	}
}
