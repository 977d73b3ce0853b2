package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/runner"
)

// releaseType is the Procfile type run once before a release goes live, never
// as part of the formation.
const releaseType = "release"

// withDefaults is a stored formation with web at 1 unless a count was set
// for it: an app runs web=1 and nothing else until scaled, as on Heroku.
func withDefaults(stored map[string]int) map[string]int {
	f := maps.Clone(stored)
	if f == nil {
		f = map[string]int{}
	}
	if _, ok := f["web"]; !ok {
		f["web"] = 1
	}
	return f
}

// processTypes are the types a release can run: its Procfile's, and web,
// which runs the image's own command when the Procfile has none.
func processTypes(rel releases.Release) []string {
	types := []string{"web"}
	for t := range rel.Processes {
		if t != releaseType && t != "web" {
			types = append(types, t)
		}
	}
	slices.Sort(types)
	return types
}

// spec is the desired state of app running rel: its formation (only the
// types rel has) and settings.
func (p *Platform) spec(rel releases.Release) (runner.Spec, error) {
	stored, err := p.store.Formation(rel.App)
	if err != nil {
		return runner.Spec{}, err
	}
	st, err := p.store.Settings(rel.App)
	if err != nil {
		return runner.Spec{}, err
	}
	stored = withDefaults(stored)
	formation := map[string]int{}
	for _, t := range processTypes(rel) {
		formation[t] = stored[t]
	}
	return runner.Spec{
		Release:     rel,
		Formation:   formation,
		HealthPath:  st.HealthPath,
		BootTimeout: st.BootTimeout,
		StopTimeout: st.StopTimeout,
		Memory:      maps.Clone(st.Memory),
		PIDs:        maps.Clone(st.PIDs),
		CPUShares:   maps.Clone(st.CPUShares),
	}, nil
}

// Formation returns the instances of every process type of the current
// release (0 for the ones not running).
func (p *Platform) Formation(_ context.Context, app string) (api.Formation, error) {
	rel, err := p.currentBuild(app)
	if err != nil {
		return nil, err
	}
	spec, err := p.spec(rel)
	if err != nil {
		return nil, err
	}
	return api.Formation(spec.Formation), nil
}

// Scale changes how many instances of each listed type run. On failure the
// stored formation goes back to what it was.
func (p *Platform) Scale(ctx context.Context, app string, change api.Formation, actor string) (api.Formation, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return nil, err
	}
	if len(change) == 0 {
		return nil, fmt.Errorf("%w: nothing to scale: give TYPE=N, e.g. web=2", releases.ErrInvalid)
	}
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rel, err := p.currentBuild(app)
	if err != nil {
		return nil, err
	}
	types := processTypes(rel)
	for t := range change {
		if !slices.Contains(types, t) {
			return nil, fmt.Errorf("%w: v%d has no process type %q; its types are %s (see the Procfile)",
				releases.ErrInvalid, rel.Version, t, strings.Join(types, ", "))
		}
	}
	before, err := p.store.Formation(app)
	if err != nil {
		return nil, err
	}
	if _, err := p.store.UpdateFormation(app, change); err != nil {
		return nil, err
	}
	spec, err := p.spec(rel)
	if err != nil {
		return nil, err
	}
	if err := p.runner.Scale(context.WithoutCancel(ctx), spec, io.Discard); err != nil {
		revert := map[string]int{}
		for t := range change {
			revert[t] = withDefaults(before)[t]
		}
		if _, rerr := p.store.UpdateFormation(app, revert); rerr != nil {
			p.log.Error("revert formation", "app", app, "err", rerr)
		}
		return nil, fmt.Errorf("scale %s: %w", app, err)
	}
	p.emit(app, "api", fmt.Sprintf("Scaled to %s by %s", formationString(spec.Formation), actor))
	return api.Formation(spec.Formation), nil
}

// Processes lists the app's running and crashed processes.
func (p *Platform) Processes(ctx context.Context, app string) ([]api.Process, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return nil, err
	}
	a, err := p.store.App(app)
	if err != nil {
		return nil, err
	}
	st, err := p.store.Settings(app)
	if err != nil {
		return nil, err
	}
	procs, err := p.runner.Processes(ctx, app)
	if err != nil {
		return nil, err
	}
	out := make([]api.Process, 0, len(procs))
	for _, pr := range procs {
		out = append(out, toAPIProcess(a, pr, p.limitOf(st, pr.Type).Memory))
	}
	return out, nil
}

// Restart replaces the processes of one type ("" = all) with fresh ones of
// the same release, with the same no-downtime rules as a deploy.
func (p *Platform) Restart(ctx context.Context, app, processType string) error {
	if err := releases.ValidateAppName(app); err != nil {
		return err
	}
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		return err
	}
	defer unlock()
	rel, err := p.currentBuild(app)
	if err != nil {
		return err
	}
	if processType != "" && !slices.Contains(processTypes(rel), processType) {
		return fmt.Errorf("%w: v%d has no process type %q", releases.ErrInvalid, rel.Version, processType)
	}
	spec, err := p.spec(rel)
	if err != nil {
		return err
	}
	if err := p.runner.Restart(context.WithoutCancel(ctx), spec, processType, io.Discard); err != nil {
		return fmt.Errorf("restart %s: %w", app, err)
	}
	what := "all processes"
	if processType != "" {
		what = processType + " processes"
	}
	p.emit(app, "api", "Restarted "+what)
	return nil
}

// RestartProcess replaces one process of the formation (web.2) with a fresh
// one, the others untouched, without downtime.
func (p *Platform) RestartProcess(ctx context.Context, app, name string) error {
	if err := releases.ValidateAppName(app); err != nil {
		return err
	}
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		return err
	}
	defer unlock()
	rel, err := p.currentBuild(app)
	if err != nil {
		return err
	}
	spec, err := p.spec(rel)
	if err != nil {
		return err
	}
	if err := p.runner.RestartProcess(context.WithoutCancel(ctx), spec, name, io.Discard); err != nil {
		if errors.Is(err, runner.ErrNoSuchProcess) {
			return fmt.Errorf("%w: %w", releases.ErrNotFound, err)
		}
		return fmt.Errorf("restart %s of %s: %w", name, app, err)
	}
	p.emit(app, "api", "Restarted "+name)
	return nil
}

// StopProcess stops a process as Heroku's dyno stop does: a one-off ends;
// a process of the formation is replaced by a fresh one, as the formation
// wants it running.
func (p *Platform) StopProcess(ctx context.Context, app, name string) error {
	if err := releases.ValidateAppName(app); err != nil {
		return err
	}
	if _, err := p.store.App(app); err != nil {
		return err
	}
	err := p.runner.StopOneOff(ctx, app, name)
	if errors.Is(err, runner.ErrNoSuchProcess) {
		return p.RestartProcess(ctx, app, name)
	}
	return err
}

// currentBuild is the current release, which must have a build to run.
func (p *Platform) currentBuild(app string) (releases.Release, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return releases.Release{}, err
	}
	rel, err := p.store.CurrentRelease(app)
	if errors.Is(err, releases.ErrNotFound) {
		if _, aerr := p.store.App(app); aerr != nil {
			return releases.Release{}, aerr
		}
		return releases.Release{}, fmt.Errorf("%w: %s has no deployed release yet: deploy with git push first", releases.ErrInvalid, app)
	}
	if err != nil {
		return releases.Release{}, err
	}
	if rel.Image == "" {
		return releases.Release{}, fmt.Errorf("%w: %s has no deployed release yet: deploy with git push first", releases.ErrInvalid, app)
	}
	return rel, nil
}

func formationString(f map[string]int) string {
	parts := make([]string, 0, len(f))
	for _, t := range slices.Sorted(maps.Keys(f)) {
		parts = append(parts, fmt.Sprintf("%s@%d", t, f[t]))
	}
	return strings.Join(parts, ", ")
}

// toAPIProcess describes a process of app a with its memory limit.
func toAPIProcess(a releases.App, pr runner.Process, memory int64) api.Process {
	state := pr.State
	if state == runner.StateStopping {
		state = "down" // Heroku's word for a dyno on its way out
	}
	out := api.Process{
		ID:   releases.ChildID(a.ID, releases.KindDyno, pr.ContainerID),
		App:  api.NamedRef{ID: a.ID, Name: a.Name},
		Name: pr.Name, Type: pr.Type, State: state,
		Release:   api.ReleaseRef{ID: releases.ChildID(a.ID, releases.KindRelease, strconv.Itoa(pr.Release)), Version: pr.Release},
		Command:   pr.Command,
		Size:      api.FormatMemory(memory),
		CreatedAt: pr.StartedAt, UpdatedAt: pr.StartedAt, StartedAt: pr.StartedAt,
		Restarts: pr.Restarts,
		Node:     pr.Node,
	}
	if pr.Usage != nil {
		mem := pr.Usage.MemoryBytes
		out.CPUPercent, out.MemoryBytes = pr.Usage.CPUPercent, &mem
	}
	return out
}
