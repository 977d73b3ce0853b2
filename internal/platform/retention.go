package platform

import (
	"context"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

// buildsToPrune picks the builds whose image none of the newest keep
// releases, nor the current release, uses; one build per image. rels is
// newest first.
func buildsToPrune(rels []releases.Release, builds []releases.Build, keep, current int) []releases.Build {
	kept := map[string]bool{}
	for i, r := range rels {
		if i < keep || r.Version == current {
			kept[r.Image] = true
		}
	}
	var out []releases.Build
	for _, b := range builds {
		if b.Image == "" || kept[b.Image] {
			continue
		}
		kept[b.Image] = true // once per image
		out = append(out, b)
	}
	return out
}

// pruneLater removes, in the background, images that fell out of the app's
// retention window.
func (p *Platform) pruneLater(app string) {
	p.background.Add(1)
	go func() {
		defer p.background.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		p.Prune(ctx, app)
	}()
}

// Prune removes the images of app that fell out of its retention window. It
// takes the app's lock, so it never races a rollback's image check, and it
// never forces: the engine refuses to remove an image a container uses.
func (p *Platform) Prune(ctx context.Context, app string) {
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		p.log.Warn("prune images", "app", app, "err", err)
		return
	}
	defer unlock()
	a, err := p.store.App(app)
	if err != nil {
		return // destroyed meanwhile
	}
	rels, err := p.store.Releases(app)
	if err != nil {
		p.log.Warn("prune images: list releases", "app", app, "err", err)
		return
	}
	builds, err := p.store.Builds(app)
	if err != nil {
		p.log.Warn("prune images: list builds", "app", app, "err", err)
		return
	}
	for _, b := range buildsToPrune(rels, builds, p.opts.KeepReleases, a.CurrentVersion) {
		if err := p.images.Remove(ctx, b.Tag, b.Image); err != nil {
			p.log.Warn("prune image", "app", app, "image", b.Image, "err", err)
			continue
		}
		p.log.Info("image pruned", "app", app, "build", b.ID, "image", b.Image)
	}
}
