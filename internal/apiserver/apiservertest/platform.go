// Package apiservertest is a stateful fake of the platform behind the API,
// for the tests of the API's handlers and of paasctl, as net/http/httptest
// is for HTTP: apps, config, releases, formation, limits, settings and
// domains kept in memory, refused the way the real ledger refuses them, and
// every call recorded.
package apiservertest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// Call is one call the platform got, with what it was given.
type Call struct {
	Method      string // "UpdateConfig", "Scale", ...
	App         string
	Actor       string
	Changes     api.ConfigUpdate
	Version     int // Release, Rollback
	From, To    int // DiffReleases
	Formation   api.Formation
	Limits      api.Limits
	Settings    api.SettingsUpdate
	ProcessType string // Restart
	Run         api.RunRequest
	Domain      string
	Update      api.AppUpdate
	Source      api.SourceBlob
	Image       string // CreateBuild of an image
	Build       string // StreamBuildOutput, CancelBuild
	Plan        string // CreateAddon
	Addon       string // Addon, DestroyAddon
}

// Platform implements the API's Platform in memory. Set its exported fields
// before the first call.
type Platform struct {
	// Err, when set, is what every call returns, after it is recorded.
	Err error
	// Verification, when set, is what VerifyReleases answers.
	Verification *api.Verification
	// Diff, when set, is what DiffReleases answers, with From and To set
	// from the call; by default it says the commit changed and a key NEW
	// was added.
	Diff *api.ReleaseDiff
	// ProcessList, when set, is what Processes answers; by default every
	// process of the formation is up.
	ProcessList []api.Process
	// RunFunc, when set, is what Run does; by default it answers run.1 at
	// once.
	RunFunc func(ctx context.Context, req api.RunRequest, stdin io.Reader, stdout, stderr io.Writer) (api.RunResult, error)

	mu         sync.Mutex
	calls      []Call
	apps       map[string]api.App
	destroyed  []string
	config     map[string]api.ConfigVars
	releases   map[string][]api.Release    // oldest first
	relConfig  map[string][]api.ConfigVars // each release's config, by releases' index
	formations map[string]api.Formation
	limits     map[string]api.Limits
	settings   map[string]api.Settings
	domains    map[string][]string
	builds     map[string][]api.Build
	addons     []api.Addon
	backups    map[string][]api.Backup
	certs      map[string][]api.SNIEndpoint
}

// ProcessTypes are the process types of every fake app's release.
var ProcessTypes = []string{"web", "worker"}

// NewPlatform returns a platform that has the named apps.
func NewPlatform(apps ...string) *Platform {
	p := &Platform{apps: map[string]api.App{}, config: map[string]api.ConfigVars{}, releases: map[string][]api.Release{}, relConfig: map[string][]api.ConfigVars{},
		formations: map[string]api.Formation{}, limits: map[string]api.Limits{}, settings: map[string]api.Settings{},
		domains: map[string][]string{}}
	for _, name := range apps {
		p.apps[name] = App(name)
	}
	return p
}

// TheAccount is the fake's API token owner.
var TheAccount = api.Account{ID: "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", Email: "admin@localhost", Name: "paas administrator",
	CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Verified: true}

// App is the app the fake makes of name; its id is made of the name, so a
// test can know it.
func App(name string) api.App {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return api.App{
		ID:         releases.ChildID(TheAccount.ID, "app", name),
		Name:       name,
		CreatedAt:  created,
		UpdatedAt:  created,
		WebURL:     "http://" + name + ".localhost:8080/",
		GitURL:     "http://127.0.0.1:7070/git/" + name + ".git",
		Owner:      api.AccountRef{ID: TheAccount.ID, Email: TheAccount.Email},
		Region:     api.LocalRegion,
		Stack:      api.ContainerStack,
		BuildStack: api.ContainerStack,
		Processes:  []api.Process{},
	}
}

// Calls returns every call so far, oldest first.
func (p *Platform) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// CallsTo returns the calls of one method, oldest first.
func (p *Platform) CallsTo(method string) []Call {
	var out []Call
	for _, c := range p.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Last returns the last call, or a zero Call before any.
func (p *Platform) Last() Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		return Call{}
	}
	return p.calls[len(p.calls)-1]
}

// LastOf returns the last call of method, or a zero Call before any.
func (p *Platform) LastOf(method string) Call {
	calls := p.CallsTo(method)
	if len(calls) == 0 {
		return Call{}
	}
	return calls[len(calls)-1]
}

// Called counts the calls so far.
func (p *Platform) Called() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// Has reports whether app exists.
func (p *Platform) Has(app string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.apps[app]
	return ok
}

// Destroyed returns the apps destroyed so far.
func (p *Platform) Destroyed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.destroyed)
}

// PutApp adds a, or replaces the app of its name: for apps with a release
// or processes the fake would not give them.
func (p *Platform) PutApp(a api.App) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.apps[a.Name] = a
}

// SetCurrent makes release version app's current one, as a deploy that
// failed leaves the one before it.
func (p *Platform) SetCurrent(app string, version int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.releases[app] {
		p.releases[app][i].Current = p.releases[app][i].Version == version
	}
}

// SetConfig replaces app's config vars, without a release.
func (p *Platform) SetConfig(app string, vars api.ConfigVars) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.config[app] = maps.Clone(vars)
}

// AddRelease appends rel to app's history as its current release, and
// returns it numbered.
func (p *Platform) AddRelease(app string, rel api.Release) api.Release {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.appendRelease(app, rel)
}

// DomainsOf returns app's custom domains.
func (p *Platform) DomainsOf(app string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.domains[app])
}

// enter records c and holds the lock for the call; the error is Err, or
// the real platform's for an app that does not exist.
func (p *Platform) enter(c Call) error {
	p.mu.Lock()
	p.calls = append(p.calls, c)
	if p.Err != nil {
		return p.Err
	}
	if c.App != "" {
		if _, ok := p.apps[c.App]; !ok {
			return fmt.Errorf("app %q: %w", c.App, releases.ErrNotFound)
		}
	}
	return nil
}

func (p *Platform) CreateApp(_ context.Context, name string) (api.App, error) {
	err := p.enter(Call{Method: "CreateApp"})
	defer p.mu.Unlock()
	if err != nil {
		return api.App{}, err
	}
	if err := releases.ValidateAppName(name); err != nil {
		return api.App{}, err
	}
	if _, ok := p.apps[name]; ok {
		return api.App{}, fmt.Errorf("create app: app %q: %w", name, releases.ErrExists)
	}
	p.apps[name] = App(name)
	return p.apps[name], nil
}

func (p *Platform) Apps(context.Context) ([]api.App, error) {
	err := p.enter(Call{Method: "Apps"})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var out []api.App // nil for none: the handler must still answer []
	for _, name := range slices.Sorted(maps.Keys(p.apps)) {
		out = append(out, p.apps[name])
	}
	return out, nil
}

// App finds an app by its name or its id.
func (p *Platform) App(_ context.Context, ident string) (api.App, error) {
	if releases.IsUUID(ident) {
		err := p.enter(Call{Method: "App"})
		defer p.mu.Unlock()
		if err != nil {
			return api.App{}, err
		}
		for _, a := range p.apps {
			if a.ID == ident {
				return a, nil
			}
		}
		return api.App{}, fmt.Errorf("get app: no app has id %s: %w", ident, releases.ErrNotFound)
	}
	err := p.enter(Call{Method: "App", App: ident})
	defer p.mu.Unlock()
	if err != nil {
		return api.App{}, err
	}
	return p.apps[ident], nil
}

// UpdateApp renames the app (everything the fake keeps of it moves), then
// turns maintenance mode on or off. A name taken is ErrExists.
func (p *Platform) UpdateApp(_ context.Context, app string, u api.AppUpdate) (api.App, error) {
	err := p.enter(Call{Method: "UpdateApp", App: app, Update: u})
	defer p.mu.Unlock()
	if err != nil {
		return api.App{}, err
	}
	if u.Name != nil && *u.Name != app {
		if err := releases.ValidateAppName(*u.Name); err != nil {
			return api.App{}, err
		}
		if _, ok := p.apps[*u.Name]; ok {
			return api.App{}, fmt.Errorf("app %q: %w", *u.Name, releases.ErrExists)
		}
		p.rename(app, *u.Name)
		app = *u.Name
	}
	a := p.apps[app]
	if u.Maintenance != nil {
		a.Maintenance = *u.Maintenance
	}
	p.apps[app] = a
	return a, nil
}

// Dockerfile answers a Go app's generated Dockerfile.
func (p *Platform) Dockerfile(_ context.Context, app string) (api.GeneratedDockerfile, error) {
	err := p.enter(Call{Method: "Dockerfile", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return api.GeneratedDockerfile{}, err
	}
	if _, ok := p.apps[app]; !ok {
		return api.GeneratedDockerfile{}, fmt.Errorf("app %q: %w", app, releases.ErrNotFound)
	}
	return api.GeneratedDockerfile{Commit: strings.Repeat("a", 40), Builder: "go", Name: "Go", Version: "1.22.0",
		Dockerfile: "# Generated by paas\nFROM paas-stack/go:test AS build\n"}, nil
}

// rename moves what the fake keeps under old to new.
func (p *Platform) rename(old, new string) {
	a, n := p.apps[old], App(new)
	a.Name, a.WebURL, a.GitURL = n.Name, n.WebURL, n.GitURL
	p.apps[new] = a
	delete(p.apps, old)
	moveKey(p.config, old, new)
	moveKey(p.releases, old, new)
	moveKey(p.relConfig, old, new)
	moveKey(p.formations, old, new)
	moveKey(p.limits, old, new)
	moveKey(p.settings, old, new)
	moveKey(p.domains, old, new)
	moveKey(p.builds, old, new)
}

func moveKey[V any](m map[string]V, old, new string) {
	if v, ok := m[old]; ok {
		m[new] = v
		delete(m, old)
	}
}

func (p *Platform) Account(context.Context) (api.Account, error) {
	err := p.enter(Call{Method: "Account"})
	defer p.mu.Unlock()
	return TheAccount, err
}

func (p *Platform) DestroyApp(_ context.Context, name string) error {
	err := p.enter(Call{Method: "DestroyApp", App: name})
	defer p.mu.Unlock()
	if err != nil {
		return err
	}
	delete(p.apps, name)
	p.destroyed = append(p.destroyed, name)
	return nil
}

func (p *Platform) appendRelease(app string, rel api.Release) api.Release {
	rels := p.releases[app]
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
		rel.ConfigKeys = slices.Sorted(maps.Keys(p.config[app]))
	}
	if rel.ID == "" {
		rel.ID = releases.ChildID(p.apps[app].ID, releases.KindRelease, strconv.Itoa(rel.Version))
	}
	rel.App = api.NamedRef{ID: p.apps[app].ID, Name: app}
	rel.UpdatedAt = rel.CreatedAt
	rel.User = api.AccountRef{ID: TheAccount.ID, Email: TheAccount.Email}
	p.releases[app] = append(rels, rel)
	p.relConfig[app] = append(p.relConfig[app], maps.Clone(p.config[app]))
	return rel
}

// ReleaseConfig is the config a release was made with.
func (p *Platform) ReleaseConfig(_ context.Context, app string, version int) (api.ConfigVars, error) {
	err := p.enter(Call{Method: "ReleaseConfig", App: app, Version: version})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if _, err := p.release(app, version); err != nil {
		return nil, err
	}
	return maps.Clone(p.relConfig[app][version-1]), nil
}

var configKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (p *Platform) Config(_ context.Context, app string) (api.ConfigVars, error) {
	err := p.enter(Call{Method: "Config", App: app})
	defer p.mu.Unlock()
	if err != nil || len(p.config[app]) == 0 {
		return nil, err // nil for none: the handler must still answer {}
	}
	return maps.Clone(p.config[app]), nil
}

// UpdateConfig makes one release of the changes, as the platform does;
// unsetting a key that is not set is refused, as paasctl config:unset is.
func (p *Platform) UpdateConfig(_ context.Context, app string, changes api.ConfigUpdate, actor string) (api.Release, error) {
	err := p.enter(Call{Method: "UpdateConfig", App: app, Changes: changes, Actor: actor})
	defer p.mu.Unlock()
	if err != nil {
		return api.Release{}, err
	}
	next := maps.Clone(p.config[app])
	if next == nil {
		next = api.ConfigVars{}
	}
	var set, unset []string
	for _, k := range slices.Sorted(maps.Keys(changes)) {
		if !configKey.MatchString(k) {
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
	p.config[app] = next
	desc := "Set " + strings.Join(set, ", ") + " config vars"
	if len(set) == 0 {
		desc = "Remove " + strings.Join(unset, ", ") + " config vars"
	}
	return p.appendRelease(app, api.Release{Description: desc, CreatedBy: actor}), nil
}

func (p *Platform) Releases(_ context.Context, app string) ([]api.Release, error) {
	err := p.enter(Call{Method: "Releases", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var out []api.Release // nil for none: the handler must still answer []
	for _, r := range slices.Backward(p.releases[app]) {
		out = append(out, r)
	}
	return out, nil
}

func (p *Platform) release(app string, version int) (api.Release, error) {
	rels := p.releases[app]
	if version < 1 || version > len(rels) {
		return api.Release{}, fmt.Errorf("release v%d of %s: %w", version, app, releases.ErrNotFound)
	}
	return rels[version-1], nil
}

func (p *Platform) Release(_ context.Context, app string, version int) (api.Release, error) {
	err := p.enter(Call{Method: "Release", App: app, Version: version})
	defer p.mu.Unlock()
	if err != nil {
		return api.Release{}, err
	}
	return p.release(app, version)
}

func (p *Platform) Rollback(_ context.Context, app string, version int, actor string) (api.Release, error) {
	err := p.enter(Call{Method: "Rollback", App: app, Version: version, Actor: actor})
	defer p.mu.Unlock()
	if err != nil {
		return api.Release{}, err
	}
	target := version
	if target == 0 {
		target = len(p.releases[app]) - 1
	}
	old, err := p.release(app, target)
	if err != nil {
		return api.Release{}, fmt.Errorf("rollback %s: %w", app, err)
	}
	p.config[app] = maps.Clone(p.relConfig[app][target-1]) // the target's config comes back
	return p.appendRelease(app, api.Release{
		Description: fmt.Sprintf("Rollback to v%d", target), CreatedBy: actor,
		BuildID: old.BuildID, Commit: old.Commit, Image: old.Image,
		ConfigKeys: old.ConfigKeys, ProcessTypes: old.ProcessTypes,
	}), nil
}

func (p *Platform) VerifyReleases(_ context.Context, app string) (api.Verification, error) {
	err := p.enter(Call{Method: "VerifyReleases", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return api.Verification{}, err
	}
	if p.Verification != nil {
		return *p.Verification, nil
	}
	return api.Verification{App: app, OK: true, Checked: len(p.releases[app])}, nil
}

func (p *Platform) DiffReleases(_ context.Context, app string, from, to int) (api.ReleaseDiff, error) {
	err := p.enter(Call{Method: "DiffReleases", App: app, From: from, To: to})
	defer p.mu.Unlock()
	if err != nil {
		return api.ReleaseDiff{}, err
	}
	for _, v := range []int{from, to} {
		if v > len(p.releases[app]) {
			return api.ReleaseDiff{}, fmt.Errorf("release v%d of %s: %w", v, app, releases.ErrNotFound)
		}
	}
	// Lists left nil: the handler must still answer [].
	d := api.ReleaseDiff{CommitFrom: "1a2b3c4", CommitTo: "5d6e7f8", ConfigAdded: []string{"NEW"}}
	if p.Diff != nil {
		d = *p.Diff
	}
	d.From, d.To = from, to
	return d, nil
}

func (p *Platform) formation(app string) api.Formation {
	if _, ok := p.formations[app]; !ok {
		p.formations[app] = api.Formation{"web": 1, "worker": 0}
	}
	return p.formations[app]
}

// checkTypes refuses a process type the release does not have.
func checkTypes[V any](change map[string]V) error {
	for _, t := range slices.Sorted(maps.Keys(change)) {
		if !slices.Contains(ProcessTypes, t) {
			return fmt.Errorf("%w: v1 has no process type %q; its types are %s", releases.ErrInvalid, t, strings.Join(ProcessTypes, ", "))
		}
	}
	return nil
}

func (p *Platform) Formation(_ context.Context, app string) (api.Formation, error) {
	err := p.enter(Call{Method: "Formation", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return maps.Clone(p.formation(app)), nil
}

func (p *Platform) Scale(_ context.Context, app string, change api.Formation, actor string) (api.Formation, error) {
	err := p.enter(Call{Method: "Scale", App: app, Formation: change, Actor: actor})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := checkTypes(change); err != nil {
		return nil, err
	}
	cur := p.formation(app)
	maps.Copy(cur, change)
	return maps.Clone(cur), nil
}

func (p *Platform) Processes(_ context.Context, app string) ([]api.Process, error) {
	err := p.enter(Call{Method: "Processes", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if p.ProcessList != nil {
		return slices.Clone(p.ProcessList), nil
	}
	cur := p.formation(app)
	var out []api.Process // nil for none: the handler must still answer []
	for _, t := range slices.Sorted(maps.Keys(cur)) {
		for i := range cur[t] {
			name := fmt.Sprintf("%s.%d", t, i+1)
			out = append(out, api.Process{ID: releases.ChildID(p.apps[app].ID, releases.KindDyno, name), App: api.NamedRef{ID: p.apps[app].ID, Name: app},
				Name: name, Type: t, State: "up", Release: api.ReleaseRef{Version: 1}, Size: "512m",
				StartedAt: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), Command: "./" + t})
		}
	}
	return out, nil
}

func (p *Platform) Restart(_ context.Context, app, processType string) error {
	err := p.enter(Call{Method: "Restart", App: app, ProcessType: processType})
	defer p.mu.Unlock()
	if err != nil {
		return err
	}
	if processType != "" {
		return checkTypes(map[string]bool{processType: true})
	}
	return nil
}

func (p *Platform) limitsOf(app string) api.Limits {
	if _, ok := p.limits[app]; !ok {
		l := api.Limits{"run": "512m"}
		for _, t := range ProcessTypes {
			l[t] = "512m"
		}
		p.limits[app] = l
	}
	return p.limits[app]
}

func (p *Platform) Limits(_ context.Context, app string) (api.Limits, error) {
	err := p.enter(Call{Method: "Limits", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return maps.Clone(p.limitsOf(app)), nil
}

func (p *Platform) SetLimits(_ context.Context, app string, change api.Limits) (api.Limits, error) {
	err := p.enter(Call{Method: "SetLimits", App: app, Limits: change})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	cur := p.limitsOf(app)
	for _, t := range slices.Sorted(maps.Keys(change)) {
		if _, ok := cur[t]; !ok {
			return nil, fmt.Errorf("%w: v1 has no process type %q", releases.ErrInvalid, t)
		}
	}
	maps.Copy(cur, change)
	return maps.Clone(cur), nil
}

func (p *Platform) settingsOf(app string) api.Settings {
	if st, ok := p.settings[app]; ok {
		return st
	}
	return api.Settings{AutoRollbackWindow: "2m0s", BootTimeout: "1m0s", StopTimeout: "30s", Builder: "auto"}
}

func (p *Platform) Settings(_ context.Context, app string) (api.Settings, error) {
	err := p.enter(Call{Method: "Settings", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return api.Settings{}, err
	}
	return p.settingsOf(app), nil
}

func (p *Platform) UpdateSettings(_ context.Context, app string, u api.SettingsUpdate) (api.Settings, error) {
	err := p.enter(Call{Method: "UpdateSettings", App: app, Settings: u})
	defer p.mu.Unlock()
	if err != nil {
		return api.Settings{}, err
	}
	st := p.settingsOf(app)
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
		case "builder":
			st.Builder = v
		case "https-redirect", "hsts":
			if v != "on" && v != "off" {
				return api.Settings{}, fmt.Errorf("%w: %s=%q: use on or off", releases.ErrInvalid, k, v)
			}
			if k == "hsts" {
				st.HSTS = v == "on"
			} else {
				st.HTTPSRedirect = v == "on"
			}
		default:
			return api.Settings{}, fmt.Errorf("%w: unknown setting %q", releases.ErrInvalid, k)
		}
	}
	p.settings[app] = st
	return st, nil
}

func (p *Platform) Run(ctx context.Context, app string, req api.RunRequest, stdin io.Reader, stdout, stderr io.Writer) (api.RunResult, error) {
	err := p.enter(Call{Method: "Run", App: app, Run: req})
	run := p.RunFunc
	p.mu.Unlock()
	if err != nil {
		return api.RunResult{}, err
	}
	if run == nil {
		return api.RunResult{Process: "run.1"}, nil
	}
	return run(ctx, req, stdin, stdout, stderr)
}

// Domains, AddDomain and RemoveDomain validate domains as the platform
// does, and give each to one app at most.

func (p *Platform) Domains(_ context.Context, app string) ([]string, error) {
	err := p.enter(Call{Method: "Domains", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return slices.Clone(p.domains[app]), nil // nil for none: the handler must still answer []
}

func (p *Platform) AddDomain(_ context.Context, app, domain string) ([]string, error) {
	err := p.enter(Call{Method: "AddDomain", App: app, Domain: domain})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	d, err := releases.NormalizeDomain(domain, "localhost")
	if err != nil {
		return nil, err
	}
	for _, owner := range slices.Sorted(maps.Keys(p.domains)) {
		if slices.Contains(p.domains[owner], d) {
			return nil, fmt.Errorf("domain %s: %w: it is already used by app %s; remove it from there first", d, releases.ErrExists, owner)
		}
	}
	p.domains[app] = append(p.domains[app], d)
	slices.Sort(p.domains[app])
	return slices.Clone(p.domains[app]), nil
}

func (p *Platform) RemoveDomain(_ context.Context, app, domain string) ([]string, error) {
	err := p.enter(Call{Method: "RemoveDomain", App: app, Domain: domain})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	i := slices.Index(p.domains[app], strings.ToLower(domain))
	if i < 0 {
		return nil, fmt.Errorf("domain %s: %w on app %s", domain, releases.ErrNotFound, app)
	}
	p.domains[app] = slices.Delete(p.domains[app], i, i+1)
	return slices.Clone(p.domains[app]), nil
}

// CreateBuild records a pending build; the fake builds nothing. Its output
// is "built\n", at the secret "out-<n>".
func (p *Platform) CreateBuild(_ context.Context, app string, req api.BuildRequest) (api.Build, error) {
	src := req.SourceBlob
	err := p.enter(Call{Method: "CreateBuild", App: app, Source: src, Image: req.Image})
	defer p.mu.Unlock()
	if err != nil {
		return api.Build{}, err
	}
	source := "source blob"
	if req.Image != "" {
		source = "image"
	} else if src.URL == "" || !strings.HasPrefix(src.URL, "http") {
		return api.Build{}, fmt.Errorf("%w: source_blob.url must be an http:// or https:// URL", releases.ErrInvalid)
	}
	n := len(p.builds[app]) + 1
	b := api.Build{
		ID: releases.ChildID(p.apps[app].ID, releases.KindBuild, "fake-"+strconv.Itoa(n)), App: api.IDRef{ID: p.apps[app].ID},
		Status: api.BuildPending, OutputStreamURL: api.BuildOutputPath + "out-" + strconv.Itoa(n), SourceBlob: src,
		Stack: api.ContainerStack.Name, CreatedAt: time.Date(2026, 11, 26, 10, n, 0, 0, time.UTC),
		Source: source, Image: req.Image,
	}
	b.UpdatedAt = b.CreatedAt
	if req.Image != "" { // released at once: the fake builds nothing
		b.Status, b.Builder = api.BuildSucceeded, "image"
	}
	if p.builds == nil {
		p.builds = map[string][]api.Build{}
	}
	p.builds[app] = append(p.builds[app], b)
	return b, nil
}

// findBuild is the app's build id, or the one it starts, or the newest
// for ""; the caller holds p.mu.
func (p *Platform) findBuild(app, id string) (int, error) {
	bs := p.builds[app]
	if id == "" && len(bs) > 0 {
		return len(bs) - 1, nil
	}
	for i, b := range bs {
		if id != "" && strings.HasPrefix(b.ID, id) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("build %s of %s: %w", id, app, releases.ErrNotFound)
}

// StreamBuildOutput writes "built\n" for a build the fake made.
func (p *Platform) StreamBuildOutput(_ context.Context, app, build string, w io.Writer, flush func()) error {
	err := p.enter(Call{Method: "StreamBuildOutput", App: app, Build: build})
	defer p.mu.Unlock()
	if err != nil {
		return err
	}
	if _, err := p.findBuild(app, build); err != nil {
		return err
	}
	_, _ = io.WriteString(w, "built\n")
	flush()
	return nil
}

// CancelBuild cancels a pending build the fake made.
func (p *Platform) CancelBuild(_ context.Context, app, build string) (api.Build, error) {
	err := p.enter(Call{Method: "CancelBuild", App: app, Build: build})
	defer p.mu.Unlock()
	if err != nil {
		return api.Build{}, err
	}
	i, err := p.findBuild(app, build)
	if err != nil {
		return api.Build{}, err
	}
	b := &p.builds[app][i]
	if b.Status != api.BuildPending && b.Status != api.BuildBuilding {
		return api.Build{}, fmt.Errorf("%w: build %s has %s already", releases.ErrInvalid, b.ID, b.Status)
	}
	b.Status = api.BuildCancelled
	return *b, nil
}

func (p *Platform) Builds(_ context.Context, app string) ([]api.Build, error) {
	err := p.enter(Call{Method: "Builds", App: app})
	defer p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return slices.Clone(p.builds[app]), nil
}

// BuildOutput writes "built\n" for the secret of a build the fake made.
func (p *Platform) BuildOutput(_ context.Context, secret string, w io.Writer, flush func()) bool {
	p.mu.Lock()
	found := false
	for _, bs := range p.builds {
		for _, b := range bs {
			if strings.HasSuffix(b.OutputStreamURL, "/"+secret) {
				found = true
			}
		}
	}
	p.mu.Unlock()
	if found {
		_, _ = io.WriteString(w, "built\n")
		flush()
	}
	return found
}

// RestartProcess and StopProcess know the processes the fake lists.
func (p *Platform) RestartProcess(ctx context.Context, app, name string) error {
	return p.oneProcess(ctx, "RestartProcess", app, name)
}

func (p *Platform) StopProcess(ctx context.Context, app, name string) error {
	return p.oneProcess(ctx, "StopProcess", app, name)
}

func (p *Platform) oneProcess(_ context.Context, method, app, name string) error {
	err := p.enter(Call{Method: method, App: app, ProcessType: name})
	defer p.mu.Unlock()
	if err != nil {
		return err
	}
	if t, _, ok := strings.Cut(name, "."); ok && slices.Contains(ProcessTypes, t) {
		return nil
	}
	return fmt.Errorf("%s of %s: %w", name, app, releases.ErrNotFound)
}
