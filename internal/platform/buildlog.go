package platform

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

const (
	// maxBuildLog bounds one build's output on disk.
	maxBuildLog = 16 << 20
	// keepBuildLogs is how many of an app's newest builds keep their
	// output; the ledger keeps every build's record.
	keepBuildLogs = 50
)

// buildLog is a build's output, written to a file beside the ledger by the
// build and read, from the start, by any number of streams, while the
// build runs and after it ended, a restart too.
type buildLog struct {
	path string

	mu      sync.Mutex
	f       *os.File // nil once finished, or when the file could not be made
	size    int64
	done    bool
	changed chan struct{} // closed, and replaced, at every write and at the end
}

// buildLogPath is where the output of an app's build is kept.
func (p *Platform) buildLogPath(appID, runID string) string {
	return filepath.Join(p.buildLogDir(), appID, runID+".log")
}

func (p *Platform) buildLogDir() string {
	p.stateDirs()
	return p.opts.BuildLogDir
}

// stateDirs fills in the directories the options left "" (tests): under a
// temporary directory, removed at Close.
func (p *Platform) stateDirs() {
	p.stateOnce.Do(func() {
		if p.opts.BuildLogDir != "" && p.opts.BackupDir != "" {
			return
		}
		dir, err := os.MkdirTemp("", "paas-platform-")
		if err != nil {
			dir = filepath.Join(os.TempDir(), "paas-platform")
		}
		p.tempDir = dir
		if p.opts.BuildLogDir == "" {
			p.opts.BuildLogDir = filepath.Join(dir, "builds")
		}
		if p.opts.BackupDir == "" {
			p.opts.BackupDir = filepath.Join(dir, "backups")
		}
	})
}

// createBuildLog starts the output of an app's build, and lets go of the
// outputs of its builds older than the newest keepBuildLogs. A file that
// cannot be made costs the output, not the build.
func (p *Platform) createBuildLog(appID, runID string) *buildLog {
	l := &buildLog{path: p.buildLogPath(appID, runID), changed: make(chan struct{})}
	dir := filepath.Dir(l.path)
	err := os.MkdirAll(dir, 0o700)
	if err == nil {
		l.f, err = os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	}
	if err != nil {
		p.log.Error("keep a build's output: it will not be readable later", "build", runID, "err", err)
	}
	pruneBuildLogs(dir, keepBuildLogs)
	return l
}

// pruneBuildLogs removes all but the keep newest outputs in dir.
func pruneBuildLogs(dir string, keep int) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type log struct {
		name string
		mod  int64
	}
	var logs []log
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".log") {
			logs = append(logs, log{e.Name(), fi.ModTime().UnixNano()})
		}
	}
	if len(logs) <= keep {
		return
	}
	slices.SortFunc(logs, func(a, b log) int { return int(b.mod - a.mod) })
	for _, l := range logs[keep:] {
		_ = os.Remove(filepath.Join(dir, l.name))
	}
}

// Write keeps p; past maxBuildLog it keeps a note that the output was cut.
// It never fails: the build goes on without its output kept.
func (l *buildLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return len(p), nil
	}
	data := p
	if l.size+int64(len(p)) > maxBuildLog {
		data = []byte(fmt.Sprintf("\n !     (output cut: it passed %d MiB)\n", maxBuildLog>>20))
		defer l.closeFile()
	}
	n, err := l.f.Write(data)
	l.size += int64(n)
	if err != nil {
		l.closeFile()
	}
	l.signal()
	return len(p), nil
}

func (l *buildLog) closeFile() {
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
	}
}

func (l *buildLog) signal() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// finish ends the output: streams return once they have read it all.
func (l *buildLog) finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeFile()
	l.done = true
	l.signal()
}

// stream writes the output from its start to w, then what comes, until the
// build ends or ctx does.
func (l *buildLog) stream(ctx context.Context, w io.Writer, flush func()) error {
	f, err := os.Open(l.path)
	if err != nil {
		return fmt.Errorf("read build output: %w", err)
	}
	defer f.Close()
	for {
		l.mu.Lock()
		done, changed := l.done, l.changed
		l.mu.Unlock()
		// Read after taking the state: a write after it signals changed.
		if n, err := io.Copy(w, f); err != nil {
			return fmt.Errorf("send build output: %w", err)
		} else if n > 0 {
			flush()
		}
		if done {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil
		}
	}
}
