package platform

import (
	"bytes"
	"strings"
	"sync"
)

// maxEventLine bounds a line held back for its end: progress output that
// never ends a line still reaches the stream, in pieces.
const maxEventLine = 4 << 10

// eventWriter puts what is written to it into an app's log stream as
// platform events of one process, a line each: progress of long work, such
// as an add-on's first image.
type eventWriter struct {
	p       *Platform
	app     string
	process string
	mu      sync.Mutex
	pending []byte
}

func (p *Platform) eventWriter(app, process string) *eventWriter {
	return &eventWriter{p: p, app: app, process: process}
}

func (w *eventWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, b...)
	for {
		i := bytes.IndexAny(w.pending, "\r\n")
		if i < 0 {
			break
		}
		w.emit(w.pending[:i])
		w.pending = w.pending[i+1:]
	}
	for len(w.pending) > maxEventLine {
		w.emit(w.pending[:maxEventLine])
		w.pending = w.pending[maxEventLine:]
	}
	w.pending = append([]byte(nil), w.pending...)
	return len(b), nil
}

// Flush emits a last line without its end.
func (w *eventWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.emit(w.pending)
	w.pending = nil
}

func (w *eventWriter) emit(line []byte) {
	if s := strings.TrimSpace(string(line)); s != "" {
		w.p.emit(w.app, w.process, s)
	}
}
