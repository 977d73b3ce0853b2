package builder

import (
	"errors"
	"io/fs"
	"slices"
	"testing"
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
	g := newGitEnv(t)
	dir := g.newWorkRepo()
	g.must(dir, "rm", "-q", "Dockerfile", "Procfile")
	writeFile(t, dir, "go.mod", "module example.com/pushed\n\ngo 1.22\n")
	writeFile(t, dir, "main.go", goMain)
	g.must(dir, "add", ".")
	g.must(dir, "commit", "-q", "-m", "go")
	d, err := Detect(pushOf(t, g, dir), "")
	if err != nil || d.Language != LangGo || d.Processes["web"] != "/app/bin/pushed" {
		t.Fatalf("Detect = %+v, %v", d, err)
	}
}
