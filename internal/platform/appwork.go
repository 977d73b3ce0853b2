package platform

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// errAppReplaced fails work started for an app that was destroyed before it
// finished, whether or not an app of the same name exists since.
var errAppReplaced = errors.New("the app was destroyed or renamed")

// appWork holds one context per app id, ended by apps:destroy, so that the
// app's builds and pending work stop with it. Keyed by id, not by name: the
// name can be given to a new app at once, whose work must go on.
type appWork struct {
	mu        sync.Mutex
	live      map[string]context.CancelFunc
	ctxs      map[string]context.Context
	destroyed map[string]bool // ids whose app was destroyed: their context is born ended
}

// context returns the context of the app with id: ended once that app is
// destroyed, including when the destroy came first.
func (w *appWork) context(id string) context.Context {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ctx, ok := w.ctxs[id]; ok {
		return ctx
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	if w.destroyed[id] {
		cancel(errAppReplaced)
		return ctx
	}
	if w.ctxs == nil {
		w.ctxs, w.live = map[string]context.Context{}, map[string]context.CancelFunc{}
	}
	w.ctxs[id] = ctx
	w.live[id] = func() { cancel(errAppReplaced) }
	return ctx
}

// end cancels the app's work, now and to come: for apps:destroy.
func (w *appWork) end(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.destroyed == nil {
		w.destroyed = map[string]bool{}
	}
	w.destroyed[id] = true // a few bytes per destroyed app, for the daemon's life
	if cancel, ok := w.live[id]; ok {
		cancel()
		delete(w.live, id)
		delete(w.ctxs, id)
	}
}

// withApp is ctx, also ended when appCtx ends; stop releases it.
func withApp(ctx, appCtx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	stopAfter := context.AfterFunc(appCtx, func() { cancel(context.Cause(appCtx)) })
	return ctx, func() {
		stopAfter()
		cancel(context.Canceled)
	}
}

// replacedError says what happened to a push whose app went away.
func replacedError(app string) error {
	return fmt.Errorf("deploy to %s: %w while this push was under way (an app of that name may exist again since); nothing was deployed: push again to deploy to the app now called %s, or to the app's new name if it was renamed", app, errAppReplaced, app)
}
