package logplex

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
)

// ContainerLogser is the part of the Docker client collection needs.
type ContainerLogser interface {
	ContainerLogs(ctx context.Context, container string, options container.LogsOptions) (io.ReadCloser, error)
}

// Follows that fail before the container ends are retried this many times,
// with growing pauses.
const (
	followRetries = 5
	followBackoff = 200 * time.Millisecond
)

// addonRecheck is how often an add-on's stopped container is looked at
// again: its restart policy brings it back, and its output with it.
const addonRecheck = 2 * time.Second

// collector follows one container's output into one app's stream.
type collector struct {
	p         *Logplex
	key       string // in p.following
	app       string
	source    string // SourceApp or SourceAddon
	process   string
	container string
	// keep follows the container across its restarts, until it is gone:
	// an add-on's service, which the engine restarts, unlike a process,
	// which the runner replaces with a new container.
	keep   bool
	ctx    context.Context
	cancel context.CancelFunc
}

// ProcessStarted starts collecting a started container's stdout and stderr
// as app[process] lines, until the container ends. Called again for a
// container whose lines are in the stream already (after a paasd restart), it
// resumes after the last of them, so that nothing is lost or repeated; called
// while the container is being followed, it does nothing.
func (p *Logplex) ProcessStarted(app, process, containerID string) {
	p.collect(&collector{key: containerID, app: app, source: SourceApp, process: process, container: containerID})
}

// AddonStarted starts collecting the output of an add-on's container into
// the stream of app, which it is attached to, as addon[name] lines, across
// the container's restarts, until AddonStopped or the container is gone.
// Like ProcessStarted it resumes after the lines already in the stream.
func (p *Logplex) AddonStarted(app, addon, container string) {
	p.collect(&collector{key: addonKey(app, container), app: app, source: SourceAddon, process: addon, container: container, keep: true})
}

// AddonStopped stops collecting the add-on container's output into app's
// stream: the add-on was detached from app, or destroyed.
func (p *Logplex) AddonStopped(app, container string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.following[addonKey(app, container)]; c != nil {
		c.cancel()
	}
}

// addonKey tells an add-on's collectors apart: one container, followed
// into the stream of each app it is attached to.
func addonKey(app, container string) string { return "addon\x00" + app + "\x00" + container }

func (p *Logplex) collect(c *collector) {
	if p.opts.Docker == nil || c.app == "" || c.container == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.following[c.key] != nil {
		return
	}
	c.p = p
	c.ctx, c.cancel = context.WithCancel(p.ctx)
	p.following[c.key] = c
	p.collectors.Add(1)
	go c.run()
}

func (c *collector) run() {
	defer func() {
		c.cancel()
		c.p.mu.Lock()
		if c.p.following[c.key] == c {
			delete(c.p.following, c.key)
		}
		c.p.mu.Unlock()
		c.p.collectors.Done()
	}()
	pause := followBackoff
	for attempt := 0; ; attempt++ {
		start := time.Now()
		frames, err := c.follow()
		if err == nil && frames > 0 {
			// The engine (seen with 20.10) sometimes ends a follow early,
			// cleanly, with lines still to come: only a follow that brings
			// nothing new means the output is over. A running container's
			// follow blocks instead of ending, so this costs one extra
			// call when a container exits.
			attempt, pause = -1, followBackoff
			continue
		}
		if err == nil && c.keep {
			// Stopped, for now: look again later.
			attempt, pause = -1, followBackoff
			select {
			case <-time.After(addonRecheck):
			case <-c.ctx.Done():
				return
			}
			continue
		}
		if err == nil {
			if a := c.p.appLog(c.app); a != nil && c.ctx.Err() == nil {
				a.collectorDone(c.container)
			}
			return
		}
		if c.ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			// A follow that worked for a while failed: a new streak.
			attempt, pause = 0, followBackoff
		}
		if cerrdefs.IsNotFound(err) {
			c.p.log.Info("container is gone: its output is no longer collected", "app", c.app, "process", c.process, "container", shortID(c.container))
			return
		}
		if attempt == followRetries {
			c.p.log.Error("collect container output: giving up", "app", c.app, "process", c.process, "container", shortID(c.container), "err", err)
			return
		}
		c.p.log.Warn("collect container output: retrying", "app", c.app, "process", c.process, "container", shortID(c.container), "err", err)
		select {
		case <-time.After(pause):
		case <-c.ctx.Done():
			return
		}
		pause *= 2
	}
}

// follow reads the container's output from its cursor on and says how many
// frames it got. A nil error means the engine ended the stream cleanly.
func (c *collector) follow() (int, error) {
	opts := container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true, Timestamps: true}
	a := c.p.appLog(c.app)
	if a == nil {
		return 0, c.ctx.Err()
	}
	last := a.resumeAfter(c.container)
	if !last.IsZero() {
		opts.Since = dockerTimestamp(last.Add(time.Nanosecond))
	}
	rc, err := c.p.opts.Docker.ContainerLogs(c.ctx, c.container, opts)
	if err != nil {
		return 0, fmt.Errorf("follow logs of container %s: %w", shortID(c.container), err)
	}
	defer rc.Close()
	fr := &frameReader{c: c, cursor: last}
	if err := fr.read(rc); err != nil {
		// Lines still pending were not published: the retry reads them again.
		return fr.frames, fmt.Errorf("read logs of container %s: %w", shortID(c.container), err)
	}
	if c.ctx.Err() != nil {
		return fr.frames, c.ctx.Err()
	}
	fr.flush()
	return fr.frames, nil
}

// dockerTimestamp is the engine's "since" form, seconds.nanoseconds, exact
// to the nanosecond.
func dockerTimestamp(t time.Time) string {
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// frameReader turns the engine's frames into lines. With timestamps on, each
// frame is one log message: "<RFC3339Nano time> <text>". A message without a
// trailing newline is part of a longer line (the engine cuts lines at 16 KiB)
// that the next frames of the same stream continue.
type frameReader struct {
	c       *collector
	streams [2]pending
	frames  int // frames read

	// The lines of the frames read so far, not yet published, and the
	// container's cursor after each of them and after the last.
	batch  []Line
	uptos  []time.Time
	cursor time.Time
}

// pending is the start of a line whose end has not come yet.
type pending struct {
	text  []byte
	start time.Time // time of its first frame
	last  time.Time // and of its last
}

// The engine multiplexes stdout and stderr into frames: a header of the
// stream (0 stdin, 1 stdout, 2 stderr, 3 an error of the engine's), three
// zero bytes and the payload's size, big-endian, then the payload.
const (
	frameHeader    = 8
	frameSystemErr = 3
)

// read takes frames from the engine's stream until it ends, publishing the
// lines of each read from r at once: one append to the stream and one write
// to the spool for all the lines that came together, rather than one per
// line. It does what stdcopy.StdCopy does, without moving the rest of its
// buffer after every frame. A nil error means the stream ended cleanly; a
// frame cut short by the end is dropped, and as the cursor has not passed
// it, the next follow reads it again.
func (fr *frameReader) read(r io.Reader) error {
	buf := make([]byte, 32<<10)
	end := 0 // buf[:end] is read and not yet taken
	for {
		n, rerr := r.Read(buf[end:])
		end += n
		start := 0
		for end-start >= frameHeader {
			size := int(binary.BigEndian.Uint32(buf[start+4 : start+frameHeader]))
			if end-start < frameHeader+size {
				break
			}
			stream, payload := buf[start], buf[start+frameHeader:start+frameHeader+size]
			start += frameHeader + size
			switch stream {
			case 0, 1:
				fr.frame(0, payload)
			case 2:
				fr.frame(1, payload)
			case frameSystemErr:
				fr.publish()
				return fmt.Errorf("read frame: the engine reports: %s", payload)
			default:
				fr.publish()
				return fmt.Errorf("read frame: unknown stream %d", stream)
			}
		}
		fr.publish()
		end = copy(buf, buf[start:end])
		if end >= frameHeader {
			// Room for the whole of the next frame, however long.
			if need := frameHeader + int(binary.BigEndian.Uint32(buf[4:frameHeader])); need > len(buf) {
				buf = append(buf[:end], make([]byte, need-end)...)
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}

func (fr *frameReader) frame(i int, frame []byte) {
	fr.frames++
	t, text := splitTimestamp(frame)
	s := &fr.streams[i]
	if len(s.text) == 0 {
		s.start = t
	}
	s.text = append(s.text, text...)
	s.last = t
	// A line's pieces are published whole frames at a time, so that the
	// container's cursor never points into the middle of a frame.
	if bytes.HasSuffix(text, []byte{'\n'}) || len(s.text) >= MaxLineBytes {
		fr.emit(i)
	}
}

// emit adds stream i's pending text to the batch as lines with the time of
// its last frame.
func (fr *frameReader) emit(i int) {
	s := &fr.streams[i]
	t := s.last
	msgs := splitMessage(string(s.text))
	s.text = s.text[:0]
	if cap(s.text) > 2*MaxLineBytes {
		s.text = nil
	}
	// The cursor may not pass the start of a line still pending on the
	// other stream: a resume would lose it.
	upto := t
	if o := fr.streams[1-i]; len(o.text) > 0 && !o.start.After(upto) {
		upto = o.start.Add(-time.Nanosecond)
	}
	for j, m := range msgs {
		fr.batch = append(fr.batch, Line{Time: t, Source: fr.c.source, Process: fr.c.process, Message: m})
		// Lines cut from one frame share its time; the container is read
		// past that frame only once the last of them is in the stream.
		if j == len(msgs)-1 {
			fr.cursor = upto
		}
		fr.uptos = append(fr.uptos, fr.cursor)
	}
}

// publish puts the batch into the stream.
func (fr *frameReader) publish() {
	if len(fr.batch) == 0 {
		return
	}
	fr.c.p.publish(fr.c.app, fr.batch, &emission{ctx: fr.c.ctx, container: fr.c.container, uptos: fr.uptos})
	// The stream, its tails and drains copy the lines: the slices are
	// reused, and cleared so as not to hold on to messages.
	clear(fr.batch)
	fr.batch, fr.uptos = fr.batch[:0], fr.uptos[:0]
}

// flush publishes what is pending when the output ends: a last line without
// its newline.
func (fr *frameReader) flush() {
	for i := range fr.streams {
		if len(fr.streams[i].text) > 0 {
			fr.emit(i)
		}
	}
	fr.publish()
}

// splitTimestamp takes the engine's timestamp off a frame. A frame without
// one is taken as text collected now.
func splitTimestamp(frame []byte) (time.Time, []byte) {
	if sp := bytes.IndexByte(frame, ' '); sp > 0 && sp <= len("2006-01-02T15:04:05.999999999-07:00") {
		if t, err := time.Parse(time.RFC3339Nano, string(frame[:sp])); err == nil {
			return t.UTC(), frame[sp+1:]
		}
	}
	return time.Now().UTC(), frame
}
