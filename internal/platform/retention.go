package platform

import (
	"context"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

// buildsToPrune picks the builds whose image none of the newest keep
// releases, nor the current release, uses, nor one in keptElsewhere (the
// images other apps' kept releases use). rels is newest first. Every such
// build is picked, not one per image: each holds its own tag on the image.
func buildsToPrune(rels []releases.Release, builds []releases.Build, keep, current int, keptElsewhere map[string]bool) []releases.Build {
	kept := map[string]bool{}
	for i, r := range rels {
		if i < keep || r.Version == current {
			kept[r.Image] = true
		}
	}
	var out []releases.Build
	for _, b := range builds {
		if b.Image == "" || kept[b.Image] || keptElsewhere[b.Image] {
			continue
		}
		out = append(out, b)
	}
	return out
}

// keptImages are the images that the kept releases (the newest KeepReleases
// and the current one) of every app but except use: retention and destroy
// never remove those, whoever built them. Builds of identical content share
// an image ID, in one app or in two.
func (p *Platform) keptImages(except string) (map[string]bool, error) {
	apps, err := p.store.Apps()
	if err != nil {
		return nil, err
	}
	kept := map[string]bool{}
	for _, a := range apps {
		if a.Name == except {
			continue
		}
		rels, err := p.store.Releases(a.Name)
		if err != nil {
			return nil, err
		}
		for i, r := range rels {
			if r.Image != "" && (i < p.opts.KeepReleases || r.Version == a.CurrentVersion) {
				kept[r.Image] = true
			}
		}
	}
	return kept, nil
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
	elsewhere, err := p.keptImages(app)
	if err != nil {
		p.log.Warn("prune images: list other apps' releases", "app", app, "err", err)
		return
	}
	for _, b := range buildsToPrune(rels, builds, p.opts.KeepReleases, a.CurrentVersion, elsewhere) {
		if err := p.images.Remove(ctx, b.Tag, b.Image); err != nil {
			p.log.Warn("prune image", "app", app, "image", b.Image, "err", err)
			continue
		}
		p.log.Info("image pruned", "app", app, "build", b.ID, "image", b.Image)
	}
}
