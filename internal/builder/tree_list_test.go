package builder

import (
	"errors"
	"io/fs"
	"slices"
	"testing"

	"github.com/paas-dev/paas/internal/gittest"
)

func TestListDir(t *testing.T) {
	p := commitFixture(t)
	root, err := p.ListDir("")
	if err != nil || !slices.Contains(root, "app/") || !slices.Contains(root, "start") {
		t.Fatalf("ListDir root = %v, %v", root, err)
	}
	if got, err := p.ListDir("app"); err != nil || !slices.Equal(got, []string{"conf/", "main.sh"}) {
		t.Errorf("ListDir app = %v, %v", got, err)
	}
	for _, dir := range []string{"nope", "start", "app/main.sh"} {
		if _, err := p.ListDir(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ListDir %s = %v, want fs.ErrNotExist", dir, err)
		}
	}
}

// Detect reads a real pushed tree.
func TestDetectAPush(t *testing.T) {
	g := gittest.New(t)
	dir := g.NewWorkRepo()
	g.Must(dir, "rm", "-q", "Dockerfile", "Procfile")
	gittest.WriteFile(t, dir, "go.mod", "module example.com/pushed\n\ngo 1.22\n")
	gittest.WriteFile(t, dir, "main.go", goMain)
	g.Must(dir, "add", ".")
	g.Must(dir, "commit", "-q", "-m", "go")
	d, err := Detect(pushOf(t, g, dir), "")
	if err != nil || d.Language != LangGo || d.Processes["web"] != "/app/bin/pushed" {
		t.Fatalf("Detect = %+v, %v", d, err)
	}
}
