package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/gitserver"
	"github.com/paas-dev/paas/internal/releases"
)

// generatedDockerfile is where a generated Dockerfile goes in the build
// context, beside the app's files; it stays in the image, which tells what
// built it.
const generatedDockerfile = ".paas/Dockerfile"

// Stacks makes and names the images generated Dockerfiles build FROM.
type Stacks interface {
	// Images makes the ones lang needs that the engine lacks, with
	// progress on out.
	Images(ctx context.Context, lang builder.Language, out io.Writer) (builder.StackImages, error)
	// Names names them without making them.
	Names(lang builder.Language) (builder.StackImages, error)
}

// SetStacks wires the builds of apps without a Dockerfile.
func (p *Platform) SetStacks(s Stacks) { p.stacks = s }

// detect says how push is built: by its Dockerfile or as the language
// detected, or the one the app's builder setting names.
func (p *Platform) detect(push builder.Push) (builder.Detection, error) {
	st, err := p.store.Settings(push.App)
	if err != nil {
		return builder.Detection{}, err
	}
	det, err := builder.Detect(push, builder.Language(st.Builder))
	if errors.Is(err, builder.ErrNotDetected) { // the tree's fault: 422 through the API
		return builder.Detection{}, fmt.Errorf("detect how to build %s: %w (%w)", push.App, err, releases.ErrInvalid)
	}
	if err != nil {
		return builder.Detection{}, fmt.Errorf("detect how to build %s: %w", push.App, err)
	}
	return det, nil
}

// defaultProcesses are the Procfile's, or without one the language's
// defaults; a detected app with neither cannot run.
func defaultProcesses(det builder.Detection, procs map[string]string) (map[string]string, error) {
	if len(procs) > 0 || det.Language == builder.LangDockerfile {
		return procs, nil
	}
	if len(det.Processes) == 0 {
		return nil, fmt.Errorf("no Procfile, and a %s app has no default web process: add a Procfile naming it (e.g. %q)", det.Name, procfileExample(det.Language))
	}
	return maps.Clone(det.Processes), nil
}

func procfileExample(lang builder.Language) string {
	switch lang {
	case builder.LangPython:
		return "web: python3 app.py"
	case builder.LangNode:
		return "web: node server.js"
	case builder.LangGo:
		return "web: /app/bin/server"
	default:
		return "web: ./start"
	}
}

// generateDockerfile makes the stack images det needs and the Dockerfile
// built on them.
func (p *Platform) generateDockerfile(ctx context.Context, det builder.Detection, out io.Writer) ([]byte, error) {
	if p.stacks == nil {
		return nil, errors.New("builds without a Dockerfile are not wired in this paasd: add a Dockerfile")
	}
	imgs, err := p.stacks.Images(ctx, det.Language, out)
	if err != nil {
		return nil, err
	}
	return builder.GenerateDockerfile(det, imgs)
}

// languageNames lists the values of the app setting builder.
func languageNames() string {
	names := make([]string, 0, len(builder.Languages))
	for _, l := range builder.Languages {
		names = append(names, string(l))
	}
	return strings.Join(names, ", ")
}

// maxDockerfile bounds an app's own Dockerfile as Dockerfile reads it.
const maxDockerfile = 1 << 20

// Dockerfile is how the app's deployed commit is built: the Dockerfile paas
// generates for it (naming the stack images, made or not), or the app's own.
func (p *Platform) Dockerfile(_ context.Context, app string) (api.GeneratedDockerfile, error) {
	a, err := p.findApp(app)
	if err != nil {
		return api.GeneratedDockerfile{}, err
	}
	rel, err := p.store.CurrentRelease(a.Name)
	if err == nil && rel.Commit == "" {
		err = releases.ErrNotFound
	}
	if errors.Is(err, releases.ErrNotFound) {
		return api.GeneratedDockerfile{}, fmt.Errorf("%s has no deployed commit yet: %w: push first; the Dockerfile is made from what is deployed", a.Name, releases.ErrNotFound)
	}
	if err != nil {
		return api.GeneratedDockerfile{}, err
	}
	if p.repos == nil {
		return api.GeneratedDockerfile{}, errors.New("read the deployed commit: the git server is not wired in this paasd")
	}
	push, err := p.repos.Commit(a.Name, rel.Commit)
	if errors.Is(err, gitserver.ErrNoCommit) {
		return api.GeneratedDockerfile{}, fmt.Errorf("%w: %w: push the app again", releases.ErrNotFound, err)
	}
	if err != nil {
		return api.GeneratedDockerfile{}, err
	}
	det, err := p.detect(push)
	if err != nil {
		return api.GeneratedDockerfile{}, err
	}
	out := api.GeneratedDockerfile{Commit: rel.Commit, Builder: string(det.Language), Name: det.Name, Version: det.Version}
	var df []byte
	if det.Language == builder.LangDockerfile {
		df, err = push.ReadFile("Dockerfile", maxDockerfile)
	} else if p.stacks == nil {
		err = errors.New("builds without a Dockerfile are not wired in this paasd")
	} else {
		var imgs builder.StackImages
		if imgs, err = p.stacks.Names(det.Language); err == nil {
			df, err = builder.GenerateDockerfile(det, imgs)
		}
	}
	if err != nil {
		return api.GeneratedDockerfile{}, fmt.Errorf("make the Dockerfile of %s: %w", a.Name, err)
	}
	out.Dockerfile = string(df)
	return out, nil
}
