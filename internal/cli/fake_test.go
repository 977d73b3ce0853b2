package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// fakePlatform keeps apps, config and releases in memory and fails like the
// real ledger does. It records what the commands asked for.
type fakePlatform struct {
	mu        sync.Mutex
	apps      map[string]api.App
	destroyed []string

	config       map[string]api.ConfigVars
	releases     map[string][]api.Release // oldest first
	verification *api.Verification        // what VerifyReleases answers, if set
	diff         api.ReleaseDiff          // what DiffReleases answers, with from and to

	updates   []api.ConfigUpdate
	rollbacks []int
	diffs     [][2]int
	actors    []string

	formation api.Formation // every app's; nil: web=1, worker=0
	processes []api.Process // what Processes answers
	limits    api.Limits    // nil: 512m for each type of formation, and run
	settings  *api.Settings // nil: the defaults
	// run, when set, is what Run does; without it Run answers run.1 at once.
	run func(ctx context.Context, req api.RunRequest, stdin io.Reader, stdout, stderr io.Writer) (api.RunResult, error)

	scales         []api.Formation
	restarts       []string
	limitChanges   []api.Limits
	settingChanges []api.SettingsUpdate
	runs           []api.RunRequest

	domains map[string][]string // custom domains by app
}

func newFakePlatform(apps ...api.App) *fakePlatform {
	f := &fakePlatform{apps: map[string]api.App{}, config: map[string]api.ConfigVars{}, releases: map[string][]api.Release{}}
	for _, a := range apps {
		f.apps[a.Name] = a
	}
	return f
}

func fakeApp(name string) api.App {
	return api.App{
		Name:      name,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		WebURL:    "http://" + name + ".localhost:8080/",
		GitURL:    "http://127.0.0.1:7070/git/" + name + ".git",
		Processes: []api.Process{},
	}
}

func (f *fakePlatform) CreateApp(_ context.Context, name string) (api.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := releases.ValidateAppName(name); err != nil {
		return api.App{}, err
	}
	if _, ok := f.apps[name]; ok {
		return api.App{}, fmt.Errorf("create app: app %q: %w", name, releases.ErrExists)
	}
	f.apps[name] = fakeApp(name)
	return f.apps[name], nil
}

func (f *fakePlatform) Apps(context.Context) ([]api.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []api.App{}
	for _, a := range f.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakePlatform) App(_ context.Context, name string) (api.App, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.apps[name]
	if !ok {
		return api.App{}, fmt.Errorf("get app: app %q: %w", name, releases.ErrNotFound)
	}
	return a, nil
}

func (f *fakePlatform) DestroyApp(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.apps[name]; !ok {
		return fmt.Errorf("destroy app: app %q: %w", name, releases.ErrNotFound)
	}
	delete(f.apps, name)
	f.destroyed = append(f.destroyed, name)
	return nil
}

func (f *fakePlatform) has(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.apps[name]
	return ok
}

// addRelease appends a release to app's history and makes it current.
func (f *fakePlatform) addRelease(app string, rel api.Release) api.Release {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.appendRelease(app, rel)
}

func (f *fakePlatform) appendRelease(app string, rel api.Release) api.Release {
	rels := f.releases[app]
	for i := range rels {
		rels[i].Current = false
	}
	rel.Version = len(rels) + 1
	rel.Current = true
	if rel.Status == "" {
		rel.Status = "succeeded"
	}
	if rel.CreatedAt.IsZero() {
		rel.CreatedAt = time.Date(2026, 11, 26, 9, rel.Version, 0, 0, time.UTC)
	}
	if rel.ConfigKeys == nil {
		rel.ConfigKeys = slices.Sorted(maps.Keys(f.config[app]))
	}
	f.releases[app] = append(rels, rel)
	return rel
}

func (f *fakePlatform) app(name string) error {
	if _, ok := f.apps[name]; !ok {
		return fmt.Errorf("app %q: %w", name, releases.ErrNotFound)
	}
	return nil
}

var fakeConfigKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (f *fakePlatform) Config(_ context.Context, app string) (api.ConfigVars, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return nil, err
	}
	return maps.Clone(f.config[app]), nil
}

func (f *fakePlatform) UpdateConfig(_ context.Context, app string, changes api.ConfigUpdate, actor string) (api.Release, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, changes)
	f.actors = append(f.actors, actor)
	if err := f.app(app); err != nil {
		return api.Release{}, err
	}
	next := maps.Clone(f.config[app])
	if next == nil {
		next = api.ConfigVars{}
	}
	var set, unset []string
	for _, k := range slices.Sorted(maps.Keys(changes)) {
		if !fakeConfigKey.MatchString(k) {
			return api.Release{}, fmt.Errorf("%w config key %q: use letters, digits and underscores, not starting with a digit", releases.ErrInvalid, k)
		}
		if changes[k] == nil {
			if _, ok := next[k]; !ok {
				return api.Release{}, fmt.Errorf("%w: config var %s is not set", releases.ErrInvalid, k)
			}
			delete(next, k)
			unset = append(unset, k)
			continue
		}
		next[k] = *changes[k]
		set = append(set, k)
	}
	f.config[app] = next
	desc := "Set " + strings.Join(set, ", ") + " config vars"
	if len(set) == 0 {
		desc = "Remove " + strings.Join(unset, ", ") + " config vars"
	}
	return f.appendRelease(app, api.Release{Description: desc, CreatedBy: actor}), nil
}

func (f *fakePlatform) Releases(_ context.Context, app string) ([]api.Release, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return nil, err
	}
	out := []api.Release{}
	for _, r := range slices.Backward(f.releases[app]) {
		out = append(out, r)
	}
	return out, nil
}

func (f *fakePlatform) Release(_ context.Context, app string, version int) (api.Release, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return api.Release{}, err
	}
	rels := f.releases[app]
	if version < 1 || version > len(rels) {
		return api.Release{}, fmt.Errorf("release v%d of %s: %w", version, app, releases.ErrNotFound)
	}
	return rels[version-1], nil
}

func (f *fakePlatform) Rollback(_ context.Context, app string, version int, actor string) (api.Release, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rollbacks = append(f.rollbacks, version)
	f.actors = append(f.actors, actor)
	if err := f.app(app); err != nil {
		return api.Release{}, err
	}
	rels := f.releases[app]
	target := version
	if target == 0 {
		target = len(rels) - 1
	}
	if target < 1 || target > len(rels) {
		return api.Release{}, fmt.Errorf("rollback %s: release v%d: %w", app, target, releases.ErrNotFound)
	}
	old := rels[target-1]
	return f.appendRelease(app, api.Release{
		Description: fmt.Sprintf("Rollback to v%d", target), CreatedBy: actor,
		BuildID: old.BuildID, Commit: old.Commit, Image: old.Image,
		ConfigKeys: old.ConfigKeys, ProcessTypes: old.ProcessTypes,
	}), nil
}

func (f *fakePlatform) VerifyReleases(_ context.Context, app string) (api.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return api.Verification{}, err
	}
	if f.verification != nil {
		return *f.verification, nil
	}
	return api.Verification{App: app, OK: true, Checked: len(f.releases[app])}, nil
}

func (f *fakePlatform) DiffReleases(_ context.Context, app string, from, to int) (api.ReleaseDiff, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.diffs = append(f.diffs, [2]int{from, to})
	if err := f.app(app); err != nil {
		return api.ReleaseDiff{}, err
	}
	for _, v := range []int{from, to} {
		if v > len(f.releases[app]) {
			return api.ReleaseDiff{}, fmt.Errorf("release v%d of %s: %w", v, app, releases.ErrNotFound)
		}
	}
	d := f.diff
	d.From, d.To = from, to
	return d, nil
}

// recorded returns what the commands asked of the platform so far.
func (f *fakePlatform) recorded() (updates []api.ConfigUpdate, rollbacks []int, diffs [][2]int, actors []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.updates), slices.Clone(f.rollbacks), slices.Clone(f.diffs), slices.Clone(f.actors)
}

func (f *fakePlatform) formationLocked() api.Formation {
	if f.formation == nil {
		f.formation = api.Formation{"web": 1, "worker": 0}
	}
	return f.formation
}

func (f *fakePlatform) Formation(_ context.Context, app string) (api.Formation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return nil, err
	}
	return maps.Clone(f.formationLocked()), nil
}

func (f *fakePlatform) Scale(_ context.Context, app string, change api.Formation, actor string) (api.Formation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scales = append(f.scales, change)
	f.actors = append(f.actors, actor)
	if err := f.app(app); err != nil {
		return nil, err
	}
	cur := f.formationLocked()
	for _, t := range slices.Sorted(maps.Keys(change)) {
		if _, ok := cur[t]; !ok {
			return nil, fmt.Errorf("%w: v1 has no process type %q; its types are %s", releases.ErrInvalid, t, strings.Join(slices.Sorted(maps.Keys(cur)), ", "))
		}
	}
	maps.Copy(cur, change)
	return maps.Clone(cur), nil
}

func (f *fakePlatform) Processes(_ context.Context, app string) ([]api.Process, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return nil, err
	}
	return slices.Clone(f.processes), nil
}

func (f *fakePlatform) Restart(_ context.Context, app, processType string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.restarts = append(f.restarts, processType)
	if err := f.app(app); err != nil {
		return err
	}
	if _, ok := f.formationLocked()[processType]; processType != "" && !ok {
		return fmt.Errorf("%w: v1 has no process type %q", releases.ErrInvalid, processType)
	}
	return nil
}

func (f *fakePlatform) limitsLocked() api.Limits {
	if f.limits == nil {
		f.limits = api.Limits{"run": "512m"}
		for t := range f.formationLocked() {
			f.limits[t] = "512m"
		}
	}
	return f.limits
}

func (f *fakePlatform) Limits(_ context.Context, app string) (api.Limits, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return nil, err
	}
	return maps.Clone(f.limitsLocked()), nil
}

func (f *fakePlatform) SetLimits(_ context.Context, app string, change api.Limits) (api.Limits, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limitChanges = append(f.limitChanges, change)
	if err := f.app(app); err != nil {
		return nil, err
	}
	cur := f.limitsLocked()
	for t, v := range change {
		if _, ok := cur[t]; !ok {
			return nil, fmt.Errorf("%w: v1 has no process type %q", releases.ErrInvalid, t)
		}
		cur[t] = v
	}
	return maps.Clone(cur), nil
}

func (f *fakePlatform) settingsLocked() api.Settings {
	if f.settings == nil {
		f.settings = &api.Settings{AutoRollbackWindow: "2m0s", BootTimeout: "1m0s", StopTimeout: "30s"}
	}
	return *f.settings
}

func (f *fakePlatform) Settings(_ context.Context, app string) (api.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.app(app); err != nil {
		return api.Settings{}, err
	}
	return f.settingsLocked(), nil
}

func (f *fakePlatform) UpdateSettings(_ context.Context, app string, u api.SettingsUpdate) (api.Settings, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.settingChanges = append(f.settingChanges, u)
	if err := f.app(app); err != nil {
		return api.Settings{}, err
	}
	st := f.settingsLocked()
	for _, k := range slices.Sorted(maps.Keys(u)) {
		v := u[k]
		switch k {
		case "auto-rollback":
			if v != "on" && v != "off" {
				return api.Settings{}, fmt.Errorf("%w: auto-rollback=%q: use on or off", releases.ErrInvalid, v)
			}
			st.AutoRollback = v == "on"
		case "health-path":
			st.HealthPath = v
		case "boot-timeout":
			st.BootTimeout = v
		default:
			return api.Settings{}, fmt.Errorf("%w: unknown setting %q", releases.ErrInvalid, k)
		}
	}
	f.settings = &st
	return st, nil
}

func (f *fakePlatform) Run(ctx context.Context, app string, req api.RunRequest, stdin io.Reader, stdout, stderr io.Writer) (api.RunResult, error) {
	f.mu.Lock()
	f.runs = append(f.runs, req)
	err := f.app(app)
	run := f.run
	f.mu.Unlock()
	if err != nil {
		return api.RunResult{}, err
	}
	if run == nil {
		return api.RunResult{Process: "run.1"}, nil
	}
	return run(ctx, req, stdin, stdout, stderr)
}

// asked returns what the process commands asked of the platform so far.
func (f *fakePlatform) asked() (scales []api.Formation, restarts []string, limits []api.Limits, settings []api.SettingsUpdate, runs []api.RunRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.scales), slices.Clone(f.restarts), slices.Clone(f.limitChanges), slices.Clone(f.settingChanges), slices.Clone(f.runs)
}
