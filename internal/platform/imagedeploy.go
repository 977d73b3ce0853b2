package platform

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// imageRef is what deploy --image accepts: a Docker image reference
// (name[:tag], optionally with a registry host and path) or an image ID.
var imageRef = regexp.MustCompile(`^(sha256:)?[a-z0-9][a-z0-9._/:@-]{0,254}$`)

// createImageDeploy releases an image the engine has, without a build, as
// Dokku's git:from-image does: its processes are the image's own command
// as web, as for an app with a Dockerfile and no Procfile. It answers at
// once with the pending build; the release goes on in the background.
func (p *Platform) createImageDeploy(_ context.Context, a releases.App, ref string) (api.Build, error) {
	if !imageRef.MatchString(ref) || strings.Contains(ref, "..") {
		return api.Build{}, fmt.Errorf("%w: image %q is no image reference: give NAME[:TAG] of an image the Docker Engine has (docker images lists them)", releases.ErrInvalid, ref)
	}
	b, rec, err := p.startRun(a, releases.BuildRun{Source: releases.BuildSourceImage, Builder: "image", Image: ref})
	if err != nil {
		return api.Build{}, err
	}
	p.background.Add(1)
	go func() {
		defer p.background.Done()
		ctx, stop := withApp(p.ctx, p.work.context(a.ID))
		defer stop()
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		b.setCancel(cancel)
		rel, err := p.deployImage(ctx, a, b, ref)
		if err != nil {
			p.log.Warn("deploy of an image failed", "app", a.Name, "image", ref, "err", err)
		}
		p.finishRun(ctx, b, err, rel)
	}()
	return p.describeRun(a.ID, rec, b), nil
}

func (p *Platform) deployImage(ctx context.Context, a releases.App, b *buildRun, ref string) (releases.Release, error) {
	out := b.log
	step(out, "Deploying image %s to %s", ref, a.Name)
	tag := p.imageRepository() + "/" + a.Name + ":image-" + releases.NewID()[:12] + "-" + a.ID[:8]
	id, err := p.images.Tag(ctx, ref, tag)
	if err != nil {
		return releases.Release{}, err
	}
	b.setCancel(nil)
	p.updateRun(b, func(r *releases.BuildRun) { r.Status = releases.BuildRunBuilding })
	name, err := p.store.AppByID(a.ID) // its name now: it may have been renamed
	if err != nil {
		_ = p.images.Remove(context.WithoutCancel(ctx), tag, "")
		return releases.Release{}, replacedError(a.Name)
	}
	step(out, "Image %s is %s", ref, shortImage(id))
	p.emit(name.Name, "build", fmt.Sprintf("Image %s (%s) deployed without a build", ref, shortImage(id)))
	build := releases.Build{App: name.Name, Image: id, Tag: tag, Procfile: map[string]string{}}
	return p.release(ctx, p.work.context(a.ID), a.ID, build, "deploy --image", "Deploy image "+ref, out)
}
