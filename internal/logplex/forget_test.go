package logplex

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Lines that come for an app after its destroy (a build that was stopped,
// a process being stopped) must not start a new spool for it.
func TestLateLinesOfAForgottenAppAreDropped(t *testing.T) {
	dir := t.TempDir()
	p := newLogplex(t, Options{Dir: dir})
	p.Platform("hello", "api", "app created")
	p.Forget("hello")
	p.Platform("hello", "build", "Build failed: the app was destroyed")
	if n := len(backlog(p, "hello")); n != 0 {
		t.Errorf("a forgotten app has %d lines", n)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, spoolFile("hello"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a late line of a destroyed app recreated its log file: %v", err)
	}

	// An app created again under the name has its log.
	p = newLogplex(t, Options{Dir: dir})
	p.Forget("hello")
	p.Know("hello")
	p.Platform("hello", "api", "app created again")
	if n := len(backlog(p, "hello")); n != 1 {
		t.Errorf("the new app has %d lines, want 1", n)
	}
}
