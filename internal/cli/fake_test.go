package cli

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// fakePlatform keeps apps in memory and fails like the real ledger does.
type fakePlatform struct {
	mu        sync.Mutex
	apps      map[string]api.App
	destroyed []string
}

func newFakePlatform(apps ...api.App) *fakePlatform {
	f := &fakePlatform{apps: map[string]api.App{}}
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
