package platform

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/builder"
)

// contextBuilder keeps the build context and options it was given.
type contextBuilder struct {
	mu    sync.Mutex
	opts  builder.BuildOptions
	files map[string]string
}

func (b *contextBuilder) Build(_ context.Context, buildContext io.Reader, opts builder.BuildOptions, _ io.Writer) (string, error) {
	files := map[string]string{}
	tr := tar.NewReader(buildContext)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		body, _ := io.ReadAll(tr)
		files[h.Name] = string(body)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.opts, b.files = opts, files
	return "sha256:" + opts.Tag, nil
}

// fakeStacks names stack images without making any.
type fakeStacks struct{ asked []builder.Language }

func (s *fakeStacks) Names(builder.Language) (builder.StackImages, error) {
	return builder.StackImages{Go: "stack/go", Node: "stack/node", Python: "stack/python", Static: "stack/static"}, nil
}

func (s *fakeStacks) Images(_ context.Context, lang builder.Language, _ io.Writer) (builder.StackImages, error) {
	s.asked = append(s.asked, lang)
	return s.Names(lang)
}

// A push without a Dockerfile builds from the generated one, put into the
// build context, and runs the language's default web process.
func TestDeployWithoutADockerfile(t *testing.T) {
	f := newFixture(t, 10)
	b, stacks := &contextBuilder{}, &fakeStacks{}
	f.p.builder = b
	f.p.SetStacks(stacks)
	f.createApp(t, "hello")
	if err := f.push(t, "hello", map[string]string{"index.html": "hi\n"}); err != nil {
		t.Fatal(err)
	}
	if b.opts.Dockerfile != generatedDockerfile || !strings.Contains(b.files[generatedDockerfile], "FROM stack/static") || b.files["index.html"] != "hi\n" {
		t.Errorf("build: options %+v, context %v", b.opts, b.files)
	}
	if len(stacks.asked) != 1 || stacks.asked[0] != builder.LangStatic {
		t.Errorf("stack images asked for %v", stacks.asked)
	}
	if rel := f.runner.last(); !strings.Contains(rel.Processes["web"], "busybox httpd") {
		t.Errorf("release processes = %v, want the static site's web", rel.Processes)
	}

	// A Python app needs a Procfile, and says so; nothing is released.
	err := f.push(t, "hello", map[string]string{"requirements.txt": ""})
	if err == nil || !strings.Contains(err.Error(), "Procfile") || !strings.Contains(err.Error(), "web: python3 app.py") {
		t.Errorf("push of a Python app without a Procfile: %v", err)
	}
	// The builder setting overrides detection.
	if _, err := f.p.UpdateSettings(context.Background(), "hello", api.SettingsUpdate{"builder": "static"}); err != nil {
		t.Fatal(err)
	}
	if err := f.push(t, "hello", map[string]string{"index.html": "x", "Dockerfile": "FROM scratch\n"}); err != nil {
		t.Fatal(err)
	}
	if b.opts.Dockerfile != generatedDockerfile {
		t.Errorf("builder=static built from %q", b.opts.Dockerfile)
	}
	if _, err := f.p.UpdateSettings(context.Background(), "hello", api.SettingsUpdate{"builder": "cobol"}); err == nil || !strings.Contains(err.Error(), "dockerfile, go, node, python, static") {
		t.Errorf("builder=cobol: %v", err)
	}
	if st, _ := f.p.Settings(context.Background(), "hello"); st.Builder != "static" {
		t.Errorf("settings after a refused builder = %+v", st)
	}
}

// Dockerfile reads the deployed commit from the repository: the app's own
// Dockerfile, or the generated one when the builder setting says so.
func TestDockerfileOfTheDeployedCommit(t *testing.T) {
	f := newFixture(t, 10)
	f.p.SetStacks(&fakeStacks{})
	gitURL, _ := f.serveGit(t)
	home := t.TempDir()
	ctx := context.Background()
	f.createApp(t, "hello")
	if _, err := f.p.Dockerfile(ctx, "hello"); err == nil || !strings.Contains(err.Error(), "push first") {
		t.Fatalf("Dockerfile before a deploy: %v", err)
	}
	work := workRepo(t, home, "one")
	if out, err := runGit(t, home, work, "push", gitURL+"/hello.git", "main"); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	df, err := f.p.Dockerfile(ctx, "hello")
	if err != nil || df.Builder != "dockerfile" || df.Dockerfile != "FROM scratch\n" || len(df.Commit) != 40 {
		t.Fatalf("Dockerfile = %+v, %v", df, err)
	}
	if _, err := f.p.UpdateSettings(ctx, "hello", api.SettingsUpdate{"builder": "static"}); err != nil {
		t.Fatal(err)
	}
	// The tree has no static site's files: the setting's error says so.
	if _, err := f.p.Dockerfile(ctx, "hello"); err == nil || !strings.Contains(err.Error(), "builder setting is static") {
		t.Fatalf("Dockerfile with builder=static: %v", err)
	}
}
