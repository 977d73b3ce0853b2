package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// ErrImageGone marks a rollback to a release whose image retention removed.
var ErrImageGone = fmt.Errorf("%w: image removed", releases.ErrInvalid)

// Rollback appends a release with the build and config of release version
// (0: the last one that went live before the current) and puts it live. No
// rebuild: the image is reused, so it must still exist.
func (p *Platform) Rollback(ctx context.Context, app string, version int, actor string) (api.Release, error) {
	return p.rollback(ctx, app, version, actor, 0, "")
}

// rollback is Rollback; with from set, only while from is still current (an
// auto-rollback must not undo a newer deploy), and why goes into the
// description.
func (p *Platform) rollback(ctx context.Context, app string, version int, actor string, from int, why string) (api.Release, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return api.Release{}, err
	}
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		return api.Release{}, err
	}
	defer unlock()
	if from != 0 {
		a, err := p.store.App(app)
		if err != nil {
			return api.Release{}, err
		}
		if a.CurrentVersion != from {
			return api.Release{}, fmt.Errorf("%w: v%d is no longer current", releases.ErrInvalid, from)
		}
	}
	target, err := p.rollbackTarget(app, version)
	if err != nil {
		return api.Release{}, err
	}
	ok, err := p.images.Exists(ctx, target.Image)
	if err != nil {
		return api.Release{}, fmt.Errorf("check image of v%d: %w", target.Version, err)
	}
	if !ok {
		return api.Release{}, p.imageGone(app, target)
	}
	rel, err := p.store.AppendRelease(app, func(*releases.Release) (releases.Release, error) {
		next := carryBuild(target, actor)
		next.Description = fmt.Sprintf("Rollback to v%d", target.Version)
		if why != "" {
			next.Description += fmt.Sprintf(" (auto: v%d %s)", from, why)
		}
		return next, nil
	})
	if err != nil {
		return api.Release{}, err
	}
	p.log.Info("rollback", "app", app, "to", target.Version, "version", rel.Version)
	p.emit(app, "release", fmt.Sprintf("Release v%d created by %s: %s", rel.Version, rel.CreatedBy, rel.Description))
	if err := p.putLive(ctx, rel); err != nil {
		return api.Release{}, err
	}
	return p.Release(ctx, app, rel.Version)
}

func (p *Platform) rollbackTarget(app string, version int) (releases.Release, error) {
	a, err := p.store.App(app)
	if err != nil {
		return releases.Release{}, err
	}
	if a.CurrentVersion == 0 {
		return releases.Release{}, fmt.Errorf("%w: %s has no release to roll back from", releases.ErrInvalid, app)
	}
	if version == 0 {
		return p.previousLive(app, a.CurrentVersion)
	}
	target, err := p.store.Release(app, version)
	if err != nil {
		return releases.Release{}, err
	}
	switch {
	case target.Version == a.CurrentVersion:
		return releases.Release{}, fmt.Errorf("%w: v%d is already the current release", releases.ErrInvalid, version)
	case target.Status != releases.StatusSucceeded:
		return releases.Release{}, fmt.Errorf("%w: v%d %s and never went live; pick one that did (paasctl releases)", releases.ErrInvalid, version, target.Status)
	case target.Image == "":
		return releases.Release{}, fmt.Errorf("%w: v%d has no build (it only set config); pick a release with a deploy", releases.ErrInvalid, version)
	}
	return target, nil
}

// previousLive is the newest release before current that went live with a build.
func (p *Platform) previousLive(app string, current int) (releases.Release, error) {
	rels, err := p.store.Releases(app)
	if err != nil {
		return releases.Release{}, err
	}
	for _, r := range rels {
		if r.Version < current && r.Status == releases.StatusSucceeded && r.Image != "" {
			return r, nil
		}
	}
	return releases.Release{}, fmt.Errorf("%w: no earlier release of %s went live; nothing to roll back to", releases.ErrInvalid, app)
}

// putLive runs rel, or, before the first deploy, just marks it current.
func (p *Platform) putLive(ctx context.Context, rel releases.Release) error {
	if rel.Image == "" {
		if err := p.store.SetStatus(rel.App, rel.Version, releases.StatusSucceeded); err != nil {
			return fmt.Errorf("record release v%d: %w", rel.Version, err)
		}
		return nil
	}
	return p.run(ctx, rel, io.Discard)
}

// imageGone says why target's image is missing, and what to do: retention
// removes the images of releases older than the newest KeepReleases; an
// image of a newer one was removed behind paas's back.
func (p *Platform) imageGone(app string, target releases.Release) error {
	redeploy := fmt.Sprintf("deploy its commit again: git push paas %s:main (add --force if main has moved on)", shortCommit(target.Commit))
	rels, err := p.store.Releases(app)
	if err == nil {
		if i := slices.IndexFunc(rels, func(r releases.Release) bool { return r.Version == target.Version }); i >= p.opts.KeepReleases {
			return fmt.Errorf("%w: the image of v%d was removed by retention: only the newest %d releases keep their images (PAAS_KEEP_RELEASES); %s, or raise PAAS_KEEP_RELEASES to keep more",
				ErrImageGone, target.Version, p.opts.KeepReleases, redeploy)
		}
	}
	return fmt.Errorf("%w: the image of v%d (%s) is no longer on the Docker Engine, though retention keeps it: it was removed outside paas (docker rmi, docker image prune); %s",
		ErrImageGone, target.Version, shortImage(target.Image), redeploy)
}

func shortCommit(c string) string {
	if len(c) > 7 {
		return c[:7]
	}
	return c
}

func errorsIsNotFound(err error) bool { return errors.Is(err, releases.ErrNotFound) }
