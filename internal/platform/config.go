package platform

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// Config returns the config vars of the app's current release (or of the
// config set before its first deploy).
func (p *Platform) Config(_ context.Context, app string) (api.ConfigVars, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return nil, err
	}
	if _, err := p.store.App(app); err != nil {
		return nil, err
	}
	rel, err := p.store.CurrentRelease(app)
	if errorsIsNotFound(err) {
		return api.ConfigVars{}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.ConfigVars(maps.Clone(rel.Config)), nil
}

// UpdateConfig appends a release with the changed config (a nil value unsets
// the key) and puts it live. Before the first deploy there is nothing to run:
// the release just records the config for the first push to pick up.
func (p *Platform) UpdateConfig(ctx context.Context, app string, changes api.ConfigUpdate, actor string) (api.Release, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return api.Release{}, err
	}
	if len(changes) == 0 {
		return api.Release{}, fmt.Errorf("%w: nothing to change: give at least one KEY", releases.ErrInvalid)
	}
	for k, v := range changes {
		if err := releases.ValidateConfigKey(k); err != nil {
			return api.Release{}, err
		}
		if v != nil {
			if err := releases.ValidateConfigValue(k, *v); err != nil {
				return api.Release{}, err
			}
		}
	}
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		return api.Release{}, err
	}
	defer unlock()
	rel, err := p.store.AppendRelease(app, func(cur *releases.Release) (releases.Release, error) {
		next := releases.Release{Config: map[string]string{}, CreatedBy: actor}
		if cur != nil {
			next = carryBuild(*cur, actor)
		}
		for k, v := range changes {
			if v == nil {
				if _, ok := next.Config[k]; !ok {
					return releases.Release{}, fmt.Errorf("%w: config var %s is not set", releases.ErrInvalid, k)
				}
				delete(next.Config, k)
				continue
			}
			next.Config[k] = *v
		}
		next.Description = configDescription(changes)
		return next, nil
	})
	if err != nil {
		return api.Release{}, err
	}
	// Keys only: values are secrets.
	p.log.Info("config changed", "app", app, "version", rel.Version, "keys", sortedKeys(changes))
	p.emit(app, "release", fmt.Sprintf("Release v%d created by %s: %s", rel.Version, rel.CreatedBy, rel.Description))
	if err := p.putLive(ctx, rel); err != nil {
		return api.Release{}, err
	}
	return p.Release(ctx, app, rel.Version)
}

// carryBuild starts a new release from cur: same build, same config.
func carryBuild(cur releases.Release, actor string) releases.Release {
	return releases.Release{
		BuildID:   cur.BuildID,
		Commit:    cur.Commit,
		Image:     cur.Image,
		Processes: maps.Clone(cur.Processes),
		Config:    maps.Clone(cur.Config),
		CreatedBy: actor,
	}
}

// configDescription names the keys, never the values: "Set FOO, BAR config
// vars; remove BAZ config var".
func configDescription(changes api.ConfigUpdate) string {
	var set, unset []string
	for _, k := range sortedKeys(changes) {
		if changes[k] == nil {
			unset = append(unset, k)
		} else {
			set = append(set, k)
		}
	}
	var parts []string
	if len(set) > 0 {
		parts = append(parts, "Set "+strings.Join(set, ", ")+" config "+plural(len(set), "var"))
	}
	if len(unset) > 0 {
		verb := "Remove "
		if len(parts) > 0 {
			verb = "remove "
		}
		parts = append(parts, verb+strings.Join(unset, ", ")+" config "+plural(len(unset), "var"))
	}
	return strings.Join(parts, "; ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
