package api

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/paas-dev/paas/internal/releases"
)

// fakePlatform keeps apps in memory and fails like the real ledger does. err,
// when set, is returned by every call instead.
type fakePlatform struct {
	mu    sync.Mutex
	apps  map[string]App
	err   error
	calls int
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
