package applock

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testTimeout bounds every wait in these tests, so a bug fails a test
// instead of hanging it.
const testTimeout = 10 * time.Second

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func mustLock(t *testing.T, l *Locks, ctx context.Context, key string) func() {
	t.Helper()
	unlock, err := l.Lock(ctx, key)
	if err != nil {
		t.Fatalf("lock %s: %v", key, err)
	}
	return unlock
}

// refs is how many callers hold or wait for key; 0 when it has no entry.
func (l *Locks) refs(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[key]; ok {
		return e.refs
	}
	return 0
}

func assertEmpty(t *testing.T, l *Locks) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.keys) != 0 {
		t.Fatalf("%d entries left after every unlock: %v", len(l.keys), l.keys)
	}
}

// waitForRefs waits until n callers hold or wait for key: the way to know
// that a goroutine is blocked in Lock.
func waitForRefs(t *testing.T, l *Locks, key string, n int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for l.refs(key) != n {
		if time.Now().After(deadline) {
			t.Fatalf("refs of %s: got %d, want %d", key, l.refs(key), n)
		}
		runtime.Gosched()
	}
}

func TestLockExcludesSameKey(t *testing.T) {
	var l Locks
	ctx := testContext(t)
	unlock := mustLock(t, &l, ctx, "app")

	if _, ok := l.TryLock("app"); ok {
		t.Fatal("TryLock took a held lock")
	}
	got := make(chan func())
	go func() {
		u, err := l.Lock(ctx, "app")
		if err != nil {
			t.Errorf("second lock: %v", err)
			u = func() {}
		}
		got <- u
	}()
	waitForRefs(t, &l, "app", 2)
	select {
	case <-got:
		t.Fatal("second Lock returned while the first held the lock")
	default:
	}

	unlock()
	select {
	case u := <-got:
		u()
	case <-ctx.Done():
		t.Fatal("second Lock did not get the lock once it was free")
	}
	assertEmpty(t, &l)
}

func TestKeysAreIndependent(t *testing.T) {
	var l Locks
	ctx := testContext(t)
	unlockA := mustLock(t, &l, ctx, "a")
	// With a held "a", "b" must come at once: ctx's deadline fails the test
	// rather than hanging it.
	unlockB := mustLock(t, &l, ctx, "b")
	u, ok := l.TryLock("c")
	if !ok {
		t.Fatal("TryLock of a free key failed")
	}
	u()
	unlockB()
	unlockA()
	assertEmpty(t, &l)
}

func TestCancelWhileWaiting(t *testing.T) {
	var l Locks
	unlock := mustLock(t, &l, testContext(t), "app")

	ctx, cancel := context.WithCancel(testContext(t))
	errc := make(chan error)
	go func() {
		u, err := l.Lock(ctx, "app")
		if err == nil {
			u()
		}
		errc <- err
	}()
	waitForRefs(t, &l, "app", 2) // the waiter is counted in, so waiting
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("waiter's error: got %v, want context.Canceled", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("cancelled waiter still waits")
	}

	// The waiter gave up for good: once the holder unlocks, the lock is free.
	unlock()
	u, ok := l.TryLock("app")
	if !ok {
		t.Fatal("lock still held after the holder unlocked and the waiter gave up")
	}
	u()
	assertEmpty(t, &l)
}

func TestDeadlineWhileWaiting(t *testing.T) {
	var l Locks
	unlock := mustLock(t, &l, testContext(t), "app")
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := l.Lock(ctx, "app"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if n := l.refs("app"); n != 1 {
		t.Fatalf("refs after the waiter gave up: got %d, want 1 (the holder)", n)
	}
}

// A free lock is taken even with an ended context: only waiting is
// cancelled (see Lock).
func TestFreeLockIgnoresEndedContext(t *testing.T) {
	var l Locks
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unlock := mustLock(t, &l, ctx, "app")
	if _, err := l.Lock(ctx, "app"); !errors.Is(err, context.Canceled) {
		t.Fatalf("held lock with an ended context: got %v, want context.Canceled", err)
	}
	unlock()
	assertEmpty(t, &l)
}

func TestDoubleUnlockPanics(t *testing.T) {
	var l Locks
	unlock := mustLock(t, &l, testContext(t), "app")
	unlock()
	defer func() {
		if recover() == nil {
			t.Fatal("second unlock did not panic")
		}
		assertEmpty(t, &l)
	}()
	unlock()
}

// TestManyGoroutines is for -race: per key, at most one holder at a time,
// and nothing left behind, while some waiters give up.
func TestManyGoroutines(t *testing.T) {
	const goroutines, rounds, keys = 32, 200, 4
	var l Locks
	var holders [keys]atomic.Int32
	var counts [keys]int // guarded by key i's lock; -race checks that it is
	var taken [keys]atomic.Int32
	ctx := testContext(t)

	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for r := range rounds {
				k := (g + r) % keys
				key := fmt.Sprint("app", k)
				var unlock func()
				switch r % 3 {
				case 0:
					var ok bool
					if unlock, ok = l.TryLock(key); !ok {
						continue
					}
				case 1: // a waiter that may give up
					wctx, cancel := context.WithCancel(ctx)
					if r%2 == 0 {
						cancel()
					}
					var err error
					unlock, err = l.Lock(wctx, key)
					cancel()
					if err != nil {
						continue
					}
				default:
					var err error
					if unlock, err = l.Lock(ctx, key); err != nil {
						t.Errorf("lock %s: %v", key, err)
						return
					}
				}
				if n := holders[k].Add(1); n != 1 {
					t.Errorf("%s held by %d at once", key, n)
				}
				counts[k]++
				taken[k].Add(1)
				holders[k].Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	for k := range keys {
		if int32(counts[k]) != taken[k].Load() {
			t.Errorf("app%d: %d increments under the lock, %d acquisitions", k, counts[k], taken[k].Load())
		}
	}
	assertEmpty(t, &l)
}
