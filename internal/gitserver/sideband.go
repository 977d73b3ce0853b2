package gitserver

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
)

// pushReply is the receive-pack response: progress on side-band channel 2
// while the push is handled, then report-status on channel 1 and a flush.
// Without side-band (clients that did not ask for it) progress is dropped and
// report-status is written bare.
type pushReply struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	log *slog.Logger

	mu     sync.Mutex // protects all of the following:
	mux    *sideband.Muxer
	done   bool // report written: later progress is dropped
	broken bool // a write failed: the pusher is gone
}

func newPushReply(w http.ResponseWriter, sideBand bool, log *slog.Logger) *pushReply {
	setServiceHeaders(w, receivePackService, "result")
	r := &pushReply{w: w, rc: http.NewResponseController(w), log: log}
	if sideBand {
		r.mux = sideband.NewMuxer(sideband.Sideband64k, w)
	}
	return r
}

// Write sends progress, flushed at once so a long build is followed live.
// It never fails: a pusher who went away cancels the request context, and
// the deploy should stop on that, not half-way through on a write error.
func (r *pushReply) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mux == nil || r.done || r.broken || len(p) == 0 {
		return len(p), nil
	}
	err := r.writeChannel(sideband.ProgressMessage, p)
	if err == nil {
		err = r.rc.Flush()
	}
	if err != nil {
		r.broken = true
		r.log.Warn("send push progress", "err", err)
	}
	return len(p), nil
}

// Printf writes one progress line.
func (r *pushReply) Printf(format string, args ...any) {
	_, _ = fmt.Fprintf(r, format+"\n", args...)
}

// Rejected writes an error on the progress channel, Heroku-style, so it stands
// out among the build output.
func (r *pushReply) Rejected(msg string) {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		b.WriteString(" !     " + line + "\n")
	}
	_, _ = r.Write([]byte(b.String()))
}

// maxBandPayload is the most one side-band-64k packet carries: a pkt-line's
// payload less the band byte. go-git's Muxer cuts writes one byte too long
// for its own encoder, which then refuses them, so they are cut here.
const maxBandPayload = pktline.MaxPayloadSize - 1

// writeChannel sends p on channel ch in as many packets as it takes: a push
// of many tags has a report-status longer than one packet.
func (r *pushReply) writeChannel(ch sideband.Channel, p []byte) error {
	for len(p) > 0 {
		n := min(len(p), maxBandPayload)
		if _, err := r.mux.WriteChannel(ch, p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return nil
}

// Report ends the response with report-status.
func (r *pushReply) Report(rs *packp.ReportStatus) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
	if r.broken {
		return nil
	}
	var buf bytes.Buffer
	if err := rs.Encode(&buf); err != nil {
		return fmt.Errorf("encode report-status: %w", err)
	}
	if r.mux == nil {
		_, err := r.w.Write(buf.Bytes())
		return err
	}
	if err := r.writeChannel(sideband.PackData, buf.Bytes()); err != nil {
		return fmt.Errorf("send report-status: %w", err)
	}
	if err := pktline.NewEncoder(r.w).Flush(); err != nil {
		return fmt.Errorf("send report-status: %w", err)
	}
	return nil
}
