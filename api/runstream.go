package api

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// An attached run (POST /apps/{app}/runs with "attach": true) upgrades its
// connection to the run protocol: the request carries "Connection: Upgrade"
// and "Upgrade: paas-run", and after "101 Switching Protocols" the connection
// carries the process's stdin as raw bytes from client to server (the client
// half-closes its side at stdin's EOF), and frames from server to client:
//
//	[1 byte kind][4 bytes big-endian payload length][payload]
//
// The server closes the connection after an exit or an error frame. Empty
// stdout frames are keep-alives, by which the server notices a client that
// is gone; clients ignore kinds they do not know.
const RunProtocol = "paas-run"

// Frame kinds.
const (
	FrameStdout byte = 1
	FrameStderr byte = 2
	FrameExit   byte = 3 // payload: the exit status in decimal
	FrameError  byte = 4 // payload: why the run failed, for people
)

const (
	frameHeaderLen = 5
	// MaxFramePayload bounds a frame: the server cuts longer output into
	// several, and the client refuses longer ones as garbage.
	MaxFramePayload = 32 << 10
)

// ErrRunOver refuses output written after a run's final frame.
var ErrRunOver = errors.New("the run is over: its exit status is sent")

// FrameWriter writes frames to w, one at a time, for concurrent writers.
type FrameWriter struct {
	mu sync.Mutex // protects all of the following:
	w  io.Writer
	// err is the first write error, or ErrRunOver after the final frame;
	// every later write fails with it.
	err error
	// broken is called once, on the first write error: the peer is gone.
	broken func()
}

func NewFrameWriter(w io.Writer, broken func()) *FrameWriter {
	return &FrameWriter{w: w, broken: broken}
}

// Stream is an io.Writer whose every Write is sent as frames of kind.
func (fw *FrameWriter) Stream(kind byte) io.Writer {
	return streamWriter{fw: fw, kind: kind}
}

type streamWriter struct {
	fw   *FrameWriter
	kind byte
}

func (s streamWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil // an empty frame is a keep-alive, not output
	}
	if err := s.fw.write(s.kind, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// KeepAlive sends an empty stdout frame.
func (fw *FrameWriter) KeepAlive() error { return fw.write(FrameStdout, nil) }

// Finish sends the final frame; later writes fail with ErrRunOver.
func (fw *FrameWriter) Finish(kind byte, payload []byte) error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	err := fw.writeLocked(kind, payload)
	if fw.err == nil {
		fw.err = ErrRunOver
	}
	return err
}

func (fw *FrameWriter) write(kind byte, payload []byte) error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	return fw.writeLocked(kind, payload)
}

// writeLocked sends payload as one frame, or as several if it is longer
// than MaxFramePayload; an empty payload is one empty frame.
func (fw *FrameWriter) writeLocked(kind byte, payload []byte) error {
	if fw.err != nil {
		return fw.err
	}
	for first := true; first || len(payload) > 0; first = false {
		n := min(len(payload), MaxFramePayload)
		// One Write per frame: no half frame is left behind a small packet.
		frame := make([]byte, frameHeaderLen+n)
		frame[0] = kind
		binary.BigEndian.PutUint32(frame[1:frameHeaderLen], uint32(n))
		copy(frame[frameHeaderLen:], payload[:n])
		if _, err := fw.w.Write(frame); err != nil {
			fw.err = err
			if fw.broken != nil {
				fw.broken()
			}
			return err
		}
		payload = payload[n:]
	}
	return nil
}

// ReadFrame reads one frame. A connection that ends between frames is
// io.EOF; one that ends inside a frame is io.ErrUnexpectedEOF.
func ReadFrame(r *bufio.Reader) (kind byte, payload []byte, err error) {
	var header [frameHeaderLen]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(header[1:])
	if n > MaxFramePayload {
		return 0, nil, fmt.Errorf("paasd sent a frame of %d bytes, more than the %d the run protocol allows: is PAAS_URL a paas daemon?", n, MaxFramePayload)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return header[0], payload, nil
}
