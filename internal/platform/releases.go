package platform

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// Releases lists the app's releases, newest first.
func (p *Platform) Releases(_ context.Context, app string) ([]api.Release, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return nil, err
	}
	a, err := p.store.App(app)
	if err != nil {
		return nil, err
	}
	rels, err := p.store.Releases(app)
	if err != nil {
		return nil, err
	}
	out := make([]api.Release, 0, len(rels))
	for _, r := range rels {
		out = append(out, p.toAPIRelease(a, r))
	}
	return out, nil
}

// Release describes one release.
func (p *Platform) Release(_ context.Context, app string, version int) (api.Release, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return api.Release{}, err
	}
	a, err := p.store.App(app)
	if err != nil {
		return api.Release{}, err
	}
	r, err := p.store.Release(app, version)
	if err != nil {
		return api.Release{}, err
	}
	return p.toAPIRelease(a, r), nil
}

// ReleaseConfig returns the config vars of one release of the app.
func (p *Platform) ReleaseConfig(_ context.Context, app string, version int) (api.ConfigVars, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return nil, err
	}
	r, err := p.store.Release(app, version)
	if err != nil {
		return nil, err
	}
	return api.ConfigVars(maps.Clone(r.Config)), nil
}

// VerifyReleases checks the app's digest chain.
func (p *Platform) VerifyReleases(_ context.Context, app string) (api.Verification, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return api.Verification{}, err
	}
	if _, err := p.store.App(app); err != nil {
		return api.Verification{}, err
	}
	v, err := p.store.Verify(app)
	if err != nil {
		return api.Verification{}, err
	}
	return api.Verification{App: v.App, OK: v.FirstBad == 0, Checked: v.Checked, FirstBad: v.FirstBad, Problem: v.Problem}, nil
}

// DiffReleases says what changed from one release to another, config by
// name only.
func (p *Platform) DiffReleases(_ context.Context, app string, from, to int) (api.ReleaseDiff, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return api.ReleaseDiff{}, err
	}
	a, err := p.store.Release(app, from)
	if err != nil {
		return api.ReleaseDiff{}, err
	}
	b, err := p.store.Release(app, to)
	if err != nil {
		return api.ReleaseDiff{}, err
	}
	d := releases.Diff(a, b)
	return api.ReleaseDiff{
		From: d.From, To: d.To,
		CommitFrom: d.CommitFrom, CommitTo: d.CommitTo, ImageFrom: d.ImageFrom, ImageTo: d.ImageTo,
		ConfigAdded: d.ConfigAdded, ConfigRemoved: d.ConfigRemoved, ConfigChanged: d.ConfigChanged,
		ProcessesAdded: d.ProcessesAdded, ProcessesRemoved: d.ProcessesRemoved, ProcessesChanged: d.ProcessesChanged,
	}, nil
}

func (p *Platform) toAPIRelease(a releases.App, r releases.Release) api.Release {
	var slug *api.IDRef
	if r.BuildID > 0 {
		slug = &api.IDRef{ID: releases.ChildID(a.ID, releases.KindBuild, strconv.Itoa(r.BuildID))}
	}
	return api.Release{
		ID:                  releases.ChildID(a.ID, releases.KindRelease, strconv.Itoa(r.Version)),
		App:                 api.NamedRef{ID: a.ID, Name: a.Name},
		UpdatedAt:           r.CreatedAt,
		EligibleForRollback: r.Status == releases.StatusSucceeded && r.Image != "",
		User:                api.AccountRef{ID: p.opts.Account.ID, Email: p.opts.Account.Email},
		Slug:                slug,
		AddonPlanNames:      []string{},
		Version:             r.Version,
		Description:         r.Description,
		CreatedBy:           r.CreatedBy,
		CreatedAt:           r.CreatedAt,
		Status:              string(r.Status),
		Current:             r.Version == a.CurrentVersion,
		BuildID:             r.BuildID,
		Commit:              r.Commit,
		Image:               r.Image,
		ConfigKeys:          sortedKeys(r.Config),
		ProcessTypes:        sortedKeys(r.Processes),
		Commands:            maps.Clone(r.Processes),
		Digest:              r.Digest,
	}
}

// sortedKeys returns m's keys in order, never nil (JSON [] rather than null).
func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Sorted(maps.Keys(m))
	if keys == nil {
		return []string{}
	}
	return keys
}
