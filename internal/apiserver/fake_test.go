package apiserver

import (
	"context"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// fakePlatform keeps apps and their releases in memory and fails like the
// real ledger does. err, when set, is returned by every call instead;
// verification, when set, is what VerifyReleases answers.
type fakePlatform struct {
	mu           sync.Mutex
	apps         map[string]api.App
	ledgers      map[string]*fakeLedger
	err          error
	verification *api.Verification
	calls        int
	seen         seen // the last call

	formations map[string]api.Formation // by app; every app starts with web=1, worker=0
	limits     map[string]api.Limits
	settings   map[string]api.Settings
	domains    map[string][]string // by app
	// run, when set, is what Run does; without it Run answers run.1 at once.
	run func(ctx context.Context, req api.RunRequest, stdin io.Reader, stdout, stderr io.Writer) (api.RunResult, error)
}

func newFakePlatform(names ...string) *fakePlatform {
	f := &fakePlatform{apps: map[string]api.App{}}
	for _, n := range names {
		f.apps[n] = fakeApp(n)
	}
	return f
}

func fakeApp(name string) api.App {
	return api.App{
		Name:      name,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		WebURL:    "http://" + name + ".localhost:8080/",
		GitURL:    "http://127.0.0.1:7070/git/" + name + ".git",
	}
}

func (f *fakePlatform) called() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakePlatform) enter() error {
	f.mu.Lock()
	f.calls++
	return f.err
}

func (f *fakePlatform) CreateApp(_ context.Context, name string) (api.App, error) {
	err := f.enter()
	defer f.mu.Unlock()
	if err != nil {
		return api.App{}, err
	}
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
	err := f.enter()
	defer f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var out []api.App
	for _, a := range f.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakePlatform) App(_ context.Context, name string) (api.App, error) {
	err := f.enter()
	defer f.mu.Unlock()
	if err != nil {
		return api.App{}, err
	}
	a, ok := f.apps[name]
	if !ok {
		return api.App{}, fmt.Errorf("get app: app %q: %w", name, releases.ErrNotFound)
	}
	return a, nil
}

func (f *fakePlatform) DestroyApp(_ context.Context, name string) error {
	err := f.enter()
	defer f.mu.Unlock()
	if err != nil {
		return err
	}
	if _, ok := f.apps[name]; !ok {
		return fmt.Errorf("destroy app: app %q: %w", name, releases.ErrNotFound)
	}
	delete(f.apps, name)
	return nil
}

// fakeLedger is the fake's release history of one app, oldest first, and its
// config.
type fakeLedger struct {
	config   api.ConfigVars
	releases []api.Release
}

// seen records what the handlers passed to the platform.
type seen struct {
	method      string
	changes     api.ConfigUpdate
	actor       string
	version     int
	from, to    int
	formation   api.Formation
	limits      api.Limits
	settings    api.SettingsUpdate
	processType string
	run         api.RunRequest
	domain      string
}

func (f *fakePlatform) last() seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

// ledger returns the app's ledger, or an error like the real one's.
func (f *fakePlatform) ledger(app string) (*fakeLedger, error) {
	if _, ok := f.apps[app]; !ok {
		return nil, fmt.Errorf("app %q: %w", app, releases.ErrNotFound)
	}
	if f.ledgers == nil {
		f.ledgers = map[string]*fakeLedger{}
	}
	l, ok := f.ledgers[app]
	if !ok {
		l = &fakeLedger{config: api.ConfigVars{}}
		f.ledgers[app] = l
	}
	return l, nil
}

// appendRelease makes the next release current; config keys come from l.
func (l *fakeLedger) appendRelease(description, actor string) api.Release {
	for i := range l.releases {
		l.releases[i].Current = false
	}
	rel := api.Release{
		Version:     len(l.releases) + 1,
		Description: description,
		CreatedBy:   actor,
		CreatedAt:   time.Date(2026, 11, 26, 9, 0, len(l.releases), 0, time.UTC),
		Status:      "succeeded",
		Current:     true,
		ConfigKeys:  slices.Sorted(maps.Keys(l.config)),
	}
	l.releases = append(l.releases, rel)
	return rel
}

func (f *fakePlatform) Config(_ context.Context, app string) (api.ConfigVars, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Config"}
	if err != nil {
		return nil, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return nil, err
	}
	if len(l.config) == 0 {
		return nil, nil // the handler must still answer {}
	}
	return maps.Clone(l.config), nil
}

func (f *fakePlatform) UpdateConfig(_ context.Context, app string, changes api.ConfigUpdate, actor string) (api.Release, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "UpdateConfig", changes: changes, actor: actor}
	if err != nil {
		return api.Release{}, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return api.Release{}, err
	}
	for k, v := range changes {
		if !fakeKey.MatchString(k) {
			return api.Release{}, fmt.Errorf("%w config key %q: use letters, digits and _", releases.ErrInvalid, k)
		}
		if v == nil {
			delete(l.config, k)
		} else {
			l.config[k] = *v
		}
	}
	return l.appendRelease("Set config vars", actor), nil
}

var fakeKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (f *fakePlatform) Releases(_ context.Context, app string) ([]api.Release, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Releases"}
	if err != nil {
		return nil, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return nil, err
	}
	var out []api.Release // nil for none: the handler must still answer []
	for _, rel := range slices.Backward(l.releases) {
		out = append(out, rel)
	}
	return out, nil
}

func (f *fakePlatform) Release(_ context.Context, app string, version int) (api.Release, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Release", version: version}
	if err != nil {
		return api.Release{}, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return api.Release{}, err
	}
	if version < 1 || version > len(l.releases) {
		return api.Release{}, fmt.Errorf("release v%d of %s: %w", version, app, releases.ErrNotFound)
	}
	return l.releases[version-1], nil
}

func (f *fakePlatform) Rollback(_ context.Context, app string, version int, actor string) (api.Release, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Rollback", version: version, actor: actor}
	if err != nil {
		return api.Release{}, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return api.Release{}, err
	}
	if version == 0 {
		version = len(l.releases) - 1
	}
	if version < 1 || version > len(l.releases) {
		return api.Release{}, fmt.Errorf("rollback %s: release v%d: %w", app, version, releases.ErrNotFound)
	}
	return l.appendRelease(fmt.Sprintf("Rollback to v%d", version), actor), nil
}

func (f *fakePlatform) VerifyReleases(_ context.Context, app string) (api.Verification, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "VerifyReleases"}
	if err != nil {
		return api.Verification{}, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return api.Verification{}, err
	}
	if f.verification != nil {
		return *f.verification, nil
	}
	return api.Verification{App: app, OK: true, Checked: len(l.releases)}, nil
}

func (f *fakePlatform) DiffReleases(_ context.Context, app string, from, to int) (api.ReleaseDiff, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "DiffReleases", from: from, to: to}
	if err != nil {
		return api.ReleaseDiff{}, err
	}
	if _, err := f.ledger(app); err != nil {
		return api.ReleaseDiff{}, err
	}
	// Lists left nil: the handler must still answer [].
	return api.ReleaseDiff{From: from, To: to, CommitFrom: "1a2b3c4", CommitTo: "5d6e7f8", ConfigAdded: []string{"NEW"}}, nil
}

// fakeTypes are the process types of every fake app's release.
var fakeTypes = []string{"web", "worker"}

func (f *fakePlatform) formation(app string) (api.Formation, error) {
	if _, ok := f.apps[app]; !ok {
		return nil, fmt.Errorf("app %q: %w", app, releases.ErrNotFound)
	}
	if f.formations == nil {
		f.formations = map[string]api.Formation{}
	}
	if _, ok := f.formations[app]; !ok {
		f.formations[app] = api.Formation{"web": 1, "worker": 0}
	}
	return f.formations[app], nil
}

func (f *fakePlatform) Formation(_ context.Context, app string) (api.Formation, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Formation"}
	if err != nil {
		return nil, err
	}
	cur, err := f.formation(app)
	return maps.Clone(cur), err
}

func (f *fakePlatform) Scale(_ context.Context, app string, change api.Formation, actor string) (api.Formation, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Scale", formation: change, actor: actor}
	if err != nil {
		return nil, err
	}
	cur, err := f.formation(app)
	if err != nil {
		return nil, err
	}
	for t := range change {
		if !slices.Contains(fakeTypes, t) {
			return nil, fmt.Errorf("%w: the release has no process type %q", releases.ErrInvalid, t)
		}
	}
	maps.Copy(cur, change)
	return maps.Clone(cur), nil
}

// Processes leaves seen alone: the restart handler calls it after Restart.
func (f *fakePlatform) Processes(_ context.Context, app string) ([]api.Process, error) {
	err := f.enter()
	defer f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	cur, err := f.formation(app)
	if err != nil {
		return nil, err
	}
	var out []api.Process // nil for none: the handler must still answer []
	for _, t := range slices.Sorted(maps.Keys(cur)) {
		for i := range cur[t] {
			out = append(out, api.Process{Name: fmt.Sprintf("%s.%d", t, i+1), Type: t, State: "up", Release: 1,
				StartedAt: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), Command: "./" + t})
		}
	}
	return out, nil
}

func (f *fakePlatform) Restart(_ context.Context, app, processType string) error {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Restart", processType: processType}
	if err != nil {
		return err
	}
	if _, err := f.formation(app); err != nil {
		return err
	}
	if processType != "" && !slices.Contains(fakeTypes, processType) {
		return fmt.Errorf("%w: the release has no process type %q", releases.ErrInvalid, processType)
	}
	return nil
}

func (f *fakePlatform) Limits(_ context.Context, app string) (api.Limits, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Limits"}
	if err != nil {
		return nil, err
	}
	return f.limitsOf(app)
}

func (f *fakePlatform) limitsOf(app string) (api.Limits, error) {
	if _, err := f.formation(app); err != nil {
		return nil, err
	}
	if f.limits == nil {
		f.limits = map[string]api.Limits{}
	}
	if _, ok := f.limits[app]; !ok {
		f.limits[app] = api.Limits{"web": "512m", "worker": "512m"}
	}
	return f.limits[app], nil
}

func (f *fakePlatform) SetLimits(_ context.Context, app string, change api.Limits) (api.Limits, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "SetLimits", limits: change}
	if err != nil {
		return nil, err
	}
	cur, err := f.limitsOf(app)
	if err != nil {
		return nil, err
	}
	maps.Copy(cur, change)
	return maps.Clone(cur), nil
}

func (f *fakePlatform) Settings(_ context.Context, app string) (api.Settings, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Settings"}
	if err != nil {
		return api.Settings{}, err
	}
	return f.settingsOf(app)
}

func (f *fakePlatform) settingsOf(app string) (api.Settings, error) {
	if _, err := f.formation(app); err != nil {
		return api.Settings{}, err
	}
	if st, ok := f.settings[app]; ok {
		return st, nil
	}
	return api.Settings{AutoRollbackWindow: "2m0s", BootTimeout: "1m0s", StopTimeout: "30s"}, nil
}

func (f *fakePlatform) UpdateSettings(_ context.Context, app string, u api.SettingsUpdate) (api.Settings, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "UpdateSettings", settings: u}
	if err != nil {
		return api.Settings{}, err
	}
	st, err := f.settingsOf(app)
	if err != nil {
		return api.Settings{}, err
	}
	for k, v := range u {
		switch k {
		case "auto-rollback":
			st.AutoRollback = v == "on"
		case "health-path":
			st.HealthPath = v
		case "boot-timeout":
			st.BootTimeout = v
		default:
			return api.Settings{}, fmt.Errorf("%w: unknown setting %q", releases.ErrInvalid, k)
		}
	}
	if f.settings == nil {
		f.settings = map[string]api.Settings{}
	}
	f.settings[app] = st
	return st, nil
}

func (f *fakePlatform) Run(ctx context.Context, app string, req api.RunRequest, stdin io.Reader, stdout, stderr io.Writer) (api.RunResult, error) {
	err := f.enter()
	f.seen = seen{method: "Run", run: req}
	if err == nil {
		_, err = f.formation(app)
	}
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
