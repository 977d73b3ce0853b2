// Package applock serialises work on one app at a time: a set of mutexes
// keyed by app name, which a waiter can give up on when its context ends.
package applock

import (
	"context"
	"sync"
	"sync/atomic"
)

// Locks is a set of mutexes keyed by app name; the zero value is ready to
// use. A key's entry exists only while someone holds or waits for it, so the
// set does not grow with every app name ever seen. Must not be copied.
type Locks struct {
	mu   sync.Mutex // protects keys and every entry's refs
	keys map[string]*entry
}

// entry is one key's lock. It is a channel rather than a sync.Mutex so that
// a waiter can stop waiting: the lock is held while sem holds its token.
type entry struct {
	sem  chan struct{}
	refs int // holders and waiters; at zero the entry leaves the map
}

// Lock waits for key's lock or for ctx to end. On success the caller must
// call unlock exactly once; a second call panics, as sync.Mutex's does. If
// ctx ends first, Lock returns ctx.Err() unwrapped, so the caller can say
// what it was waiting for, and the lock is never taken on its behalf. A free
// lock is taken even if ctx has already ended: only waiting is cancelled, so
// an uncontended caller behaves exactly as with a plain mutex.
func (l *Locks) Lock(ctx context.Context, key string) (unlock func(), err error) {
	e := l.ref(key)
	select {
	case e.sem <- struct{}{}:
		return l.unlocker(key, e), nil
	default:
	}
	select {
	case e.sem <- struct{}{}:
		return l.unlocker(key, e), nil
	case <-ctx.Done():
		l.unref(key, e)
		return nil, ctx.Err()
	}
}

// TryLock takes key's lock only if it is free, without waiting; ok reports
// whether it did. It lets a caller tell its user that it is about to wait.
func (l *Locks) TryLock(key string) (unlock func(), ok bool) {
	e := l.ref(key)
	select {
	case e.sem <- struct{}{}:
		return l.unlocker(key, e), true
	default:
		l.unref(key, e)
		return nil, false
	}
}

// ref returns key's entry, made if missing, counting the caller in, so that
// the entry outlives any unlock that happens while the caller waits.
func (l *Locks) ref(key string) *entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = map[string]*entry{}
	}
	e, ok := l.keys[key]
	if !ok {
		e = &entry{sem: make(chan struct{}, 1)}
		l.keys[key] = e
	}
	e.refs++
	return e
}

// unref counts the caller out and drops the entry once nobody needs it. A
// later ref makes a fresh one: nobody can still hold the old one.
func (l *Locks) unref(key string, e *entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.refs--
	if e.refs == 0 {
		delete(l.keys, key)
	}
}

func (l *Locks) unlocker(key string, e *entry) func() {
	var done atomic.Bool
	return func() {
		if done.Swap(true) {
			panic("applock: unlock of unlocked key " + key)
		}
		<-e.sem
		l.unref(key, e)
	}
}
