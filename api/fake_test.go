package api

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

// fakePlatform keeps apps and their releases in memory and fails like the
// real ledger does. err, when set, is returned by every call instead;
// verification, when set, is what VerifyReleases answers.
type fakePlatform struct {
	mu           sync.Mutex
	apps         map[string]App
	ledgers      map[string]*fakeLedger
	err          error
	verification *Verification
	calls        int
	seen         seen // the last call
}

func newFakePlatform(names ...string) *fakePlatform {
	f := &fakePlatform{apps: map[string]App{}}
	for _, n := range names {
		f.apps[n] = fakeApp(n)
	}
	return f
}

func fakeApp(name string) App {
	return App{
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

func (f *fakePlatform) CreateApp(_ context.Context, name string) (App, error) {
	err := f.enter()
	defer f.mu.Unlock()
	if err != nil {
		return App{}, err
	}
	if err := releases.ValidateAppName(name); err != nil {
		return App{}, err
	}
	if _, ok := f.apps[name]; ok {
		return App{}, fmt.Errorf("create app: app %q: %w", name, releases.ErrExists)
	}
	f.apps[name] = fakeApp(name)
	return f.apps[name], nil
}

func (f *fakePlatform) Apps(context.Context) ([]App, error) {
	err := f.enter()
	defer f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var out []App
	for _, a := range f.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakePlatform) App(_ context.Context, name string) (App, error) {
	err := f.enter()
	defer f.mu.Unlock()
	if err != nil {
		return App{}, err
	}
	a, ok := f.apps[name]
	if !ok {
		return App{}, fmt.Errorf("get app: app %q: %w", name, releases.ErrNotFound)
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
	config   ConfigVars
	releases []Release
}

// seen records what the handlers passed to the platform.
type seen struct {
	method   string
	changes  ConfigUpdate
	actor    string
	version  int
	from, to int
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
		l = &fakeLedger{config: ConfigVars{}}
		f.ledgers[app] = l
	}
	return l, nil
}

// appendRelease makes the next release current; config keys come from l.
func (l *fakeLedger) appendRelease(description, actor string) Release {
	for i := range l.releases {
		l.releases[i].Current = false
	}
	rel := Release{
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

func (f *fakePlatform) Config(_ context.Context, app string) (ConfigVars, error) {
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

func (f *fakePlatform) UpdateConfig(_ context.Context, app string, changes ConfigUpdate, actor string) (Release, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "UpdateConfig", changes: changes, actor: actor}
	if err != nil {
		return Release{}, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return Release{}, err
	}
	for k, v := range changes {
		if !fakeKey.MatchString(k) {
			return Release{}, fmt.Errorf("%w config key %q: use letters, digits and _", releases.ErrInvalid, k)
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

func (f *fakePlatform) Releases(_ context.Context, app string) ([]Release, error) {
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
	var out []Release // nil for none: the handler must still answer []
	for _, rel := range slices.Backward(l.releases) {
		out = append(out, rel)
	}
	return out, nil
}

func (f *fakePlatform) Release(_ context.Context, app string, version int) (Release, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Release", version: version}
	if err != nil {
		return Release{}, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return Release{}, err
	}
	if version < 1 || version > len(l.releases) {
		return Release{}, fmt.Errorf("release v%d of %s: %w", version, app, releases.ErrNotFound)
	}
	return l.releases[version-1], nil
}

func (f *fakePlatform) Rollback(_ context.Context, app string, version int, actor string) (Release, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "Rollback", version: version, actor: actor}
	if err != nil {
		return Release{}, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return Release{}, err
	}
	if version == 0 {
		version = len(l.releases) - 1
	}
	if version < 1 || version > len(l.releases) {
		return Release{}, fmt.Errorf("rollback %s: release v%d: %w", app, version, releases.ErrNotFound)
	}
	return l.appendRelease(fmt.Sprintf("Rollback to v%d", version), actor), nil
}

func (f *fakePlatform) VerifyReleases(_ context.Context, app string) (Verification, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "VerifyReleases"}
	if err != nil {
		return Verification{}, err
	}
	l, err := f.ledger(app)
	if err != nil {
		return Verification{}, err
	}
	if f.verification != nil {
		return *f.verification, nil
	}
	return Verification{App: app, OK: true, Checked: len(l.releases)}, nil
}

func (f *fakePlatform) DiffReleases(_ context.Context, app string, from, to int) (ReleaseDiff, error) {
	err := f.enter()
	defer f.mu.Unlock()
	f.seen = seen{method: "DiffReleases", from: from, to: to}
	if err != nil {
		return ReleaseDiff{}, err
	}
	if _, err := f.ledger(app); err != nil {
		return ReleaseDiff{}, err
	}
	// Lists left nil: the handler must still answer [].
	return ReleaseDiff{From: from, To: to, CommitFrom: "1a2b3c4", CommitTo: "5d6e7f8", ConfigAdded: []string{"NEW"}}, nil
}
