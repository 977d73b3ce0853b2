package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"

	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/procfile"
	"github.com/paas-dev/paas/internal/releases"
)

// Deploy builds the pushed commit, appends a release and runs it. It returns
// only when the release is serving or has failed; on failure the previous
// release keeps serving. Progress goes to out (the pusher's terminal).
func (p *Platform) Deploy(ctx context.Context, push builder.Push, out io.Writer) error {
	unlock := p.lockApp(push.App)
	defer unlock()
	short := push.Commit[:7]
	step(out, "Building %s from commit %s", push.App, short)

	procs, err := readProcfile(push)
	if err != nil {
		return err
	}
	imageID, err := p.buildImage(ctx, push, out)
	if err != nil {
		return err
	}
	build, err := p.store.AddBuild(releases.Build{App: push.App, Commit: push.Commit, Image: imageID, Tag: imageTag(push), Procfile: procs})
	if err != nil {
		return fmt.Errorf("record build: %w", err)
	}
	rel, err := p.store.AppendRelease(push.App, func(prev *releases.Release) (releases.Release, error) {
		next := releases.Release{
			App: push.App, BuildID: build.ID, Commit: push.Commit, Image: imageID,
			Processes: procs, Description: "Deploy " + short, Config: map[string]string{},
		}
		if prev != nil {
			next.Config = maps.Clone(prev.Config)
		}
		return next, nil
	})
	if err != nil {
		return fmt.Errorf("append release: %w", err)
	}
	p.log.Info("release created", "app", rel.App, "version", rel.Version, "commit", short)
	step(out, "Releasing v%d", rel.Version)
	return p.run(ctx, rel, out)
}

// run puts rel live and records the outcome in the ledger.
func (p *Platform) run(ctx context.Context, rel releases.Release, out io.Writer) error {
	if err := p.runner.Deploy(ctx, rel, out); err != nil {
		p.setStatus(rel, releases.StatusFailed)
		p.log.Warn("release failed", "app", rel.App, "version", rel.Version, "err", err)
		return fmt.Errorf("release v%d failed, the previous release keeps serving: %w", rel.Version, err)
	}
	if err := p.store.SetStatus(rel.App, rel.Version, releases.StatusSucceeded); err != nil {
		return fmt.Errorf("record release v%d: %w", rel.Version, err)
	}
	p.log.Info("release live", "app", rel.App, "version", rel.Version)
	step(out, "v%d is live at %s", rel.Version, p.opts.WebURL(rel.App))
	return nil
}

func (p *Platform) setStatus(rel releases.Release, st releases.Status) {
	if err := p.store.SetStatus(rel.App, rel.Version, st); err != nil {
		p.log.Error("record release status", "app", rel.App, "version", rel.Version, "status", st, "err", err)
	}
}

func (p *Platform) buildImage(ctx context.Context, push builder.Push, out io.Writer) (string, error) {
	if _, err := push.ReadFile("Dockerfile"); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", errors.New("no Dockerfile at the root of the repository: add one, paas builds every app from its Dockerfile")
		}
		return "", fmt.Errorf("read Dockerfile: %w", err)
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(push.WriteTar(pw)) }()
	defer pr.Close()
	// No build labels: the classic builder adds a step per label, a second
	// each. The ledger records every image it builds instead.
	imageID, err := p.builder.Build(ctx, pr, builder.BuildOptions{Tag: imageTag(push)}, out)
	if err != nil {
		return "", fmt.Errorf("build failed: %w", err)
	}
	return imageID, nil
}

func readProcfile(push builder.Push) (map[string]string, error) {
	data, err := push.ReadFile("Procfile")
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read Procfile: %w", err)
	}
	procs, err := procfile.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("check Procfile: %w", err)
	}
	return procs, nil
}

func imageTag(push builder.Push) string {
	return "paas/" + push.App + ":" + push.Commit[:12]
}

// step writes a Heroku-style progress line.
func step(out io.Writer, format string, args ...any) {
	fmt.Fprintf(out, "-----> "+format+"\n", args...)
}
