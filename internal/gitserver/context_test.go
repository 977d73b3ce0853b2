package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/gittest"

	"errors"
	"fmt"
	"strings"
	"testing"
)

// stored is the last deployed push as read from the repository once it was
// accepted (its objects out of quarantine).
func stored(t *testing.T, ts *testServer, app string) builder.Push {
	t.Helper()
	p := ts.deployer.last(t).Push
	repo, err := ts.git.openRepo(app)
	if err != nil {
		t.Fatal(err)
	}
	p.Repo = repo
	return p
}

// One file named by many tree entries is a small push and a large build
// context: the context is bounded before anything reaches the engine.
func TestCheckContextBoundsSizeAndFilesOfARealPush(t *testing.T) {
	g := gittest.New(t)
	ts := newTestServer(t, fakeApps{"myapp": true})
	ts.git.SetLimits(Options{MaxContextBytes: 10 << 20, MaxContextFiles: 40})
	work := g.NewWorkRepo()
	g.Must(work, "remote", "add", "paas", ts.remote("myapp"))
	blob := randomText(t, 1<<20) // 1 MiB, stored once
	for i := range 9 {
		gittest.WriteFile(t, work, fmt.Sprintf("copy%02d", i), blob)
	}
	g.Must(work, "add", ".")
	g.Must(work, "commit", "-q", "-m", "nine copies")
	g.Must(work, "push", "paas", "main")
	if err := stored(t, ts, "myapp").CheckContext(); err != nil {
		t.Errorf("9 MiB under a 10 MiB limit: %v", err)
	}

	for i := 9; i < 21; i++ {
		gittest.WriteFile(t, work, fmt.Sprintf("copy%02d", i), blob)
	}
	g.Must(work, "add", ".")
	g.Must(work, "commit", "-q", "-m", "twenty-one copies")
	g.Must(work, "push", "paas", "main")
	err := stored(t, ts, "myapp").CheckContext()
	if !errors.Is(err, builder.ErrContextTooLarge) || !strings.Contains(err.Error(), "more than 10 MiB (PAAS_BUILD_CONTEXT_MAX)") {
		t.Errorf("21 MiB under a 10 MiB limit: %v", err)
	}

	for i := range 30 {
		gittest.WriteFile(t, work, fmt.Sprintf("small/%02d", i), "x")
	}
	for i := 9; i < 21; i++ {
		g.Must(work, "rm", "-q", fmt.Sprintf("copy%02d", i))
	}
	g.Must(work, "add", ".")
	g.Must(work, "commit", "-q", "-m", "many small files")
	g.Must(work, "push", "paas", "main")
	err = stored(t, ts, "myapp").CheckContext()
	if !errors.Is(err, builder.ErrContextTooLarge) || !strings.Contains(err.Error(), "more than 40 files and directories (PAAS_BUILD_CONTEXT_MAX_FILES)") {
		t.Errorf("43 entries under a limit of 40: %v", err)
	}
}
