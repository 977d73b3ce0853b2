package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"strings"
	"time"

	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/procfile"
	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/runner"
)

// Deploy builds the pushed commit, appends a release and runs it. It returns
// only when the release is serving or has failed; on failure the previous
// release keeps serving. Progress goes to out (the pusher's terminal) and
// to the build's output, which the ledger's build run names.
func (p *Platform) Deploy(ctx context.Context, push builder.Push, out io.Writer) error {
	a, err := p.store.App(push.App)
	if err != nil {
		return err
	}
	if push.AppID == "" { // a caller that did not capture it: from now on
		push.AppID = a.ID
	}
	if a.ID != push.AppID {
		return replacedError(push.App)
	}
	if push.BuildRun != "" { // a source blob's: its run is started, and ended, by runBuild
		run := p.builds.find(a.ID, push.BuildRun)
		if run == nil {
			return fmt.Errorf("deploy: build %s is not running", push.BuildRun)
		}
		p.updateRun(run, func(r *releases.BuildRun) { r.Commit = push.Commit })
		_, err := p.deploy(ctx, push, run, out)
		return err
	}
	run, _, err := p.startRun(a, releases.BuildRun{Source: releases.BuildSourcePush, Commit: push.Commit})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	run.setCancel(cancel)
	// The output first: the pusher may be gone, the output is kept.
	rel, err := p.deploy(ctx, push, run, io.MultiWriter(run.log, out))
	p.finishRun(ctx, run, err, rel)
	return err
}

// deploy is Deploy's work, as part of run.
func (p *Platform) deploy(ctx context.Context, push builder.Push, run *buildRun, out io.Writer) (releases.Release, error) {
	short := push.Commit[:7]
	// Ended by apps:destroy: the build stops, and the ledger is not written.
	appCtx := p.work.context(push.AppID)
	ctx, stop := withApp(ctx, appCtx)
	defer stop()
	emit := func(process, message string) {
		if appCtx.Err() == nil { // no event of a destroyed app in its successor's log
			p.emit(push.App, process, message)
		}
	}
	step(out, "Building %s from commit %s", push.App, short)
	procs, err := readProcfile(push)
	if err != nil {
		return releases.Release{}, err
	}
	det, err := p.detect(push)
	if err != nil {
		return releases.Release{}, err
	}
	step(out, "%s app detected", det.Name)
	if procs, err = defaultProcesses(det, procs); err != nil {
		return releases.Release{}, err
	}
	// Build outside the app's lock: config changes and rollbacks need not
	// wait minutes behind a build. (The git server runs one push per app.)
	source, by := "git push of "+push.Branch, "git push"
	if push.Branch == "" { // a build of a source blob (POST /apps/{app}/builds)
		source, by = "a source blob", "build"
	}
	tag := p.imageTag(push)
	imageID, err := p.queuedBuild(ctx, push, det, run, tag, out, func() {
		emit("build", fmt.Sprintf("Build started by %s (commit %s)", source, short))
	})
	if appCtx.Err() != nil {
		if err == nil {
			_ = p.images.Remove(context.WithoutCancel(ctx), tag, imageID)
		}
		return releases.Release{}, replacedError(push.App)
	}
	if err != nil {
		emit("build", "Build failed: "+err.Error())
		return releases.Release{}, err
	}
	emit("build", fmt.Sprintf("Build succeeded: image %s", shortImage(imageID)))
	build := releases.Build{App: push.App, Commit: push.Commit, Image: imageID, Tag: tag, Procfile: procs}
	return p.release(ctx, appCtx, push.AppID, build, by, "Deploy "+short, out)
}

// release records build in the ledger, appends a release of it and puts it
// live. Not cancelled by the caller leaving: the image is built, and from
// here it is either recorded in the ledger or removed, as before. Only the
// app's destroy ends the wait, which holds the lock.
func (p *Platform) release(ctx, appCtx context.Context, appID string, build releases.Build, by, description string, out io.Writer) (releases.Release, error) {
	unlock, err := p.lockApp(appCtx, build.App)
	if err != nil {
		_ = p.images.Remove(context.WithoutCancel(ctx), build.Tag, build.Image)
		return releases.Release{}, replacedError(build.App)
	}
	defer unlock()
	if a, err := p.store.App(build.App); err != nil || a.ID != appID {
		_ = p.images.Remove(context.WithoutCancel(ctx), build.Tag, build.Image)
		return releases.Release{}, replacedError(build.App)
	}
	build, err = p.store.AddBuild(build)
	if err != nil {
		return releases.Release{}, fmt.Errorf("record build: %w", err)
	}
	rel, err := p.store.AppendRelease(build.App, func(cur *releases.Release) (releases.Release, error) {
		next := releases.Release{
			BuildID: build.ID, Commit: build.Commit, Image: build.Image, Processes: build.Procfile,
			Description: description, CreatedBy: by, Config: map[string]string{},
		}
		if cur != nil { // config set before, or by the release now live
			next.Config = maps.Clone(cur.Config)
		}
		return next, nil
	})
	if err != nil {
		return releases.Release{}, fmt.Errorf("append release: %w", err)
	}
	p.log.Info("release created", "app", rel.App, "version", rel.Version, "build", build.ID)
	p.emit(rel.App, "release", fmt.Sprintf("Release v%d created by %s: %s", rel.Version, rel.CreatedBy, rel.Description))
	step(out, "Releasing v%d", rel.Version)
	if err := p.run(ctx, rel, out); err != nil {
		return rel, err
	}
	p.watchLater(rel)
	return rel, nil
}

// run puts rel live and records the outcome in the ledger. Once a release is
// appended it is seen through: a caller who goes away does not cancel it
// half-way (the boot timeout bounds it).
func (p *Platform) run(ctx context.Context, rel releases.Release, out io.Writer) error {
	ctx = context.WithoutCancel(ctx)
	began := time.Now()
	err := p.releasePhase(ctx, rel, out)
	if err == nil {
		var spec runner.Spec
		if spec, err = p.spec(rel); err == nil {
			err = p.runner.Deploy(ctx, spec, out)
		}
	}
	if err != nil {
		p.emit(rel.App, "release", fmt.Sprintf("Release v%d failed: %v", rel.Version, err))
		p.setStatus(rel, releases.StatusFailed)
		p.log.Warn("release failed", "app", rel.App, "version", rel.Version, "err", err)
		p.observeDeploy(rel.App, "failed", began)
		if a, aerr := p.store.App(rel.App); aerr == nil && a.CurrentVersion > 0 {
			return fmt.Errorf("release v%d failed, v%d keeps serving: %w", rel.Version, a.CurrentVersion, err)
		}
		return fmt.Errorf("release v%d failed: %w", rel.Version, err)
	}
	if err := p.store.SetStatus(rel.App, rel.Version, releases.StatusSucceeded); err != nil {
		return fmt.Errorf("record release v%d: %w", rel.Version, err)
	}
	p.observeDeploy(rel.App, "succeeded", began)
	p.log.Info("release live", "app", rel.App, "version", rel.Version)
	p.emit(rel.App, "release", fmt.Sprintf("Release v%d is live", rel.Version))
	p.pruneLater(rel.App)
	step(out, "v%d is live at %s", rel.Version, p.opts.WebURL(rel.App))
	return nil
}

func (p *Platform) observeDeploy(app, status string, began time.Time) {
	if p.observer != nil {
		p.observer.DeployDone(app, status, time.Since(began))
	}
}

func (p *Platform) setStatus(rel releases.Release, st releases.Status) {
	if err := p.store.SetStatus(rel.App, rel.Version, st); err != nil {
		p.log.Error("record release status", "app", rel.App, "version", rel.Version, "status", st, "err", err)
	}
}

func (p *Platform) buildImage(ctx context.Context, push builder.Push, det builder.Detection, tag string, out io.Writer) (string, error) {
	if err := push.CheckContext(); err != nil {
		return "", err
	}
	opts := builder.BuildOptions{Tag: tag, Memory: p.opts.BuildMemory}
	var extra map[string][]byte
	if det.Language != builder.LangDockerfile {
		dockerfile, err := p.generateDockerfile(ctx, det, out)
		if err != nil {
			return "", err
		}
		opts.Dockerfile = generatedDockerfile
		extra = map[string][]byte{generatedDockerfile: dockerfile}
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(push.WriteTarWith(pw, extra)) }()
	defer pr.Close()
	// No build labels: the classic builder adds a step per label, a second
	// each. The ledger records every image it builds instead.
	imageID, err := p.builder.Build(ctx, pr, opts, out)
	if err != nil {
		return "", p.buildFailure(ctx, err)
	}
	return imageID, nil
}

func readProcfile(push builder.Push) (map[string]string, error) {
	data, err := push.ReadFile("Procfile", procfile.MaxSize)
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

// imageTag names a build's image in this daemon's repository: two paasd on
// one engine each tag, and remove, only their own, even for apps of the same
// name built from the same commit. The app id's start tells an app from one
// of the same name created after a destroy, whose tags the late cleanup of
// the destroyed app's build must not take.
func (p *Platform) imageTag(push builder.Push) string {
	tag := p.imageRepository() + "/" + push.App + ":" + push.Commit[:12]
	if len(push.AppID) >= 8 {
		tag += "-" + push.AppID[:8]
	}
	return tag
}

// imageRepository is "paas-<daemon id>", or "paas" without one (tests).
func (p *Platform) imageRepository() string {
	if p.opts.DaemonID == "" {
		return "paas"
	}
	return "paas-" + p.opts.DaemonID
}

// shortImage is an image ID as docker images shows it.
func shortImage(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// step writes a Heroku-style progress line.
func step(out io.Writer, format string, args ...any) {
	fmt.Fprintf(out, "-----> "+format+"\n", args...)
}
