package logplex

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// maxCursors bounds how many containers' read positions an app keeps;
// those of ended containers go first.
const maxCursors = 1000

const (
	spoolExt   = ".log"
	markCursor = "cursor"
)

// record is one line of a spool file: a Line, or (with Mark) a container's
// read position.
type record struct {
	Time    time.Time `json:"time"`
	Source  string    `json:"source,omitempty"`
	Process string    `json:"process,omitempty"`
	Message string    `json:"message,omitempty"`
	// Container is the container a collected line came from; its cursor
	// moves to Upto, or to Time when Upto is absent.
	Container string     `json:"container,omitempty"`
	Upto      *time.Time `json:"upto,omitempty"`
	Mark      string     `json:"mark,omitempty"` // markCursor: Container is read up to Time
	Done      bool       `json:"done,omitempty"` // with markCursor: its output ended
}

// spool keeps an app's stream on disk: an append-only file of JSON records,
// rewritten to the buffer's content once it holds twice as much, so history
// survives a paasd restart. Writes are not synced: the page cache outlives a
// crash of paasd, and the compacted file is synced before it replaces the old.
type spool struct {
	path      string
	maxLines  int
	maxBytes  int64
	f         *os.File // opened at the first write; nil again after a failed one
	lines     int      // line records in the file
	size      int64
	compacted int64 // size after the last compaction
	torn      bool  // a write failed part-way: the next starts on a fresh line
	failing   bool  // the last write failed, and that was logged
	scratch   []byte
}

func newSpool(dir, app string, maxLines, maxBytes int) *spool {
	return &spool{path: filepath.Join(dir, spoolFile(app)), maxLines: maxLines, maxBytes: int64(maxBytes)}
}

// plainName is a name that is safe as a file name as it is; the ledger's app
// names all are.
var plainName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,99}$`)

func spoolFile(app string) string {
	if plainName.MatchString(app) {
		return app + spoolExt
	}
	return "_" + hex.EncodeToString([]byte(app)) + spoolExt
}

func appFromSpoolFile(name string) (string, bool) {
	base, ok := strings.CutSuffix(name, spoolExt)
	if !ok {
		return "", false
	}
	if h, ok := strings.CutPrefix(base, "_"); ok {
		b, err := hex.DecodeString(h)
		return string(b), err == nil && len(b) > 0
	}
	return base, plainName.MatchString(base)
}

// appendRecord appends r as one line of JSON that encoding/json reads back as
// r (load does). It is written by hand, without reflection, because every
// collected line goes through it, and again at every compaction.
func appendRecord(buf []byte, r record) []byte {
	buf = append(buf, `{"time":`...)
	buf = appendTime(buf, r.Time)
	buf = appendField(buf, `,"source":`, r.Source)
	buf = appendField(buf, `,"process":`, r.Process)
	buf = appendField(buf, `,"message":`, r.Message)
	buf = appendField(buf, `,"container":`, r.Container)
	if r.Upto != nil {
		buf = append(buf, `,"upto":`...)
		buf = appendTime(buf, *r.Upto)
	}
	buf = appendField(buf, `,"mark":`, r.Mark)
	if r.Done {
		buf = append(buf, `,"done":true`...)
	}
	return append(buf, "}\n"...)
}

// appendField appends a string field, left out when empty (omitempty).
func appendField(buf []byte, key, value string) []byte {
	if value == "" {
		return buf
	}
	return appendJSONString(append(buf, key...), value)
}

// appendTime appends t as time.Time's MarshalJSON does. That fails for years
// outside 0-9999, which no clock gives: such a time is written as the zero
// time rather than spoiling the record.
func appendTime(buf []byte, t time.Time) []byte {
	if y := t.Year(); y < 0 || y > 9999 {
		t = time.Time{}
	}
	buf = append(buf, '"')
	buf = t.AppendFormat(buf, time.RFC3339Nano)
	return append(buf, '"')
}

// jsonPlain are the bytes a JSON string holds as they are, as far as that
// can be told from one byte: not the controls, '"', '\\' and, to be checked
// as UTF-8, those of multi-byte runes.
var jsonPlain = func() (t [256]bool) {
	for b := ' '; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// appendJSONString appends s as a JSON string. Like encoding/json, it turns
// invalid UTF-8 into U+FFFD; unlike it, it leaves <, > and & as they are,
// which is just as valid.
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0 // s[start:i] is to be copied as it is
	for i := 0; i < len(s); {
		if jsonPlain[s[i]] {
			i++
			continue
		}
		if b := s[i]; b < utf8.RuneSelf {
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			start = i + size
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// appendLines writes lines in one write; from places the container's cursor
// after each of them, in the same record, so that the file never has a
// cursor ahead of the lines it covers.
func (s *spool) appendLines(log *slog.Logger, lines []Line, from *emission) {
	buf := s.scratch[:0]
	for i, l := range lines {
		r := record{Time: l.Time, Source: l.Source, Process: l.Process, Message: l.Message}
		if from != nil {
			r.Container = from.container
			if upto := from.uptos[i]; !upto.Equal(l.Time) {
				r.Upto = &upto
			}
		}
		buf = appendRecord(buf, r)
	}
	s.write(log, buf, len(lines))
	if cap(buf) <= 1<<20 {
		s.scratch = buf
	}
}

// appendMark records a container's cursor on its own.
func (s *spool) appendMark(log *slog.Logger, container string, c *cursor) {
	s.write(log, appendRecord(nil, markRecord(container, c)), 0)
}

func markRecord(container string, c *cursor) record {
	return record{Time: c.upto, Container: container, Mark: markCursor, Done: c.done}
}

func (s *spool) write(log *slog.Logger, buf []byte, lines int) {
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			s.fail(log, err)
			return
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			s.fail(log, err)
			return
		}
		s.f, s.size = f, fi.Size()
	}
	if s.torn {
		// Ends the torn record, so it spoils only itself.
		if _, err := s.f.Write([]byte{'\n'}); err != nil {
			s.failWrite(log, err)
			return
		}
		s.size++
		s.torn = false
	}
	n, err := s.f.Write(buf)
	s.size += int64(n)
	if err != nil {
		s.failWrite(log, err)
		return
	}
	s.lines += lines
	if s.failing {
		log.Info("app log spool is written again", "path", s.path)
		s.failing = false
	}
}

func (s *spool) failWrite(log *slog.Logger, err error) {
	s.torn = true
	_ = s.f.Close()
	s.f = nil
	s.fail(log, err)
}

func (s *spool) fail(log *slog.Logger, err error) {
	if !s.failing {
		log.Error("write app log spool: new lines are kept in memory only until it works again", "path", s.path, "err", err)
	}
	s.failing = true
}

func (s *spool) needsCompaction() bool {
	return s.lines > 2*s.maxLines || s.size > 2*max(s.maxBytes, s.compacted)
}

// compact replaces the file with the buffer's lines and the containers'
// cursors. Until the new file is complete and synced, the old one stays.
func (s *spool) compact(log *slog.Logger, lines []Line, cursors map[string]*cursor) {
	pruneCursors(cursors)
	size, err := s.rewrite(lines, cursors)
	if err != nil {
		log.Error("compact app log spool: it keeps growing until this works", "path", s.path, "err", err)
		s.compacted = s.size // next attempt at twice this size
		return
	}
	if s.f != nil {
		_ = s.f.Close()
		s.f = nil
	}
	s.lines, s.size, s.compacted, s.torn = len(lines), size, size, false
}

func (s *spool) rewrite(lines []Line, cursors map[string]*cursor) (int64, error) {
	tmp := s.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp) // fails harmlessly after the rename
	w := bufio.NewWriterSize(f, 256<<10)
	var buf []byte
	var size int64
	put := func(r record) {
		buf = appendRecord(buf[:0], r)
		n, _ := w.Write(buf) // w keeps its error for Flush
		size += int64(n)
	}
	for id, c := range cursors {
		put(markRecord(id, c))
	}
	for _, l := range lines {
		put(record{Time: l.Time, Source: l.Source, Process: l.Process, Message: l.Message})
	}
	err = w.Flush()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path)
	}
	if err != nil {
		return 0, err
	}
	syncDir(filepath.Dir(s.path))
	return size, nil
}

// syncDir makes a rename durable; where directories cannot be synced, the
// rename is as durable as the file system makes it anyway.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// pruneCursors keeps the newest maxCursors, dropping ended containers first.
func pruneCursors(cursors map[string]*cursor) {
	if len(cursors) <= maxCursors {
		return
	}
	ids := make([]string, 0, len(cursors))
	for id := range cursors {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		ca, cb := cursors[a], cursors[b]
		if ca.done != cb.done {
			if ca.done {
				return -1
			}
			return 1
		}
		return ca.upto.Compare(cb.upto)
	})
	for _, id := range ids[:len(ids)-maxCursors] {
		delete(cursors, id)
	}
}

// load reads the file into the buffer and the cursors. A record cut short by
// a crash is cut off; one that does not parse is skipped.
func (s *spool) load(log *slog.Logger, app string, r *ring, cursors map[string]*cursor) error {
	_ = os.Remove(s.path + ".tmp") // a compaction that did not finish
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read log spool of %s: %w", app, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	var good int64 // offset after the last complete record
	var bad int
	for {
		b, err := br.ReadBytes('\n')
		if err == io.EOF {
			break // b, if any, is a record cut short
		}
		if err != nil {
			return fmt.Errorf("read log spool of %s: %w", app, err)
		}
		good += int64(len(b))
		var rec record
		if json.Unmarshal(b, &rec) != nil {
			bad++
			continue
		}
		if rec.Mark == markCursor {
			if rec.Container != "" {
				cursors[rec.Container] = &cursor{upto: rec.Time, done: rec.Done}
			}
			continue
		}
		if rec.Mark != "" {
			continue // from a later version
		}
		r.push(Line{Time: rec.Time.UTC(), App: app, Source: rec.Source, Process: rec.Process, Message: rec.Message})
		s.lines++
		if rec.Container != "" {
			upto := rec.Time
			if rec.Upto != nil {
				upto = *rec.Upto
			}
			cursors[rec.Container] = &cursor{upto: upto}
		}
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read log spool of %s: %w", app, err)
	}
	if fi.Size() > good {
		log.Warn("app log spool ends in a record cut short, probably by a crash: dropping it", "path", s.path, "bytes", fi.Size()-good)
		if err := os.Truncate(s.path, good); err != nil {
			return fmt.Errorf("repair log spool of %s: %w", app, err)
		}
	}
	if bad > 0 {
		log.Warn("app log spool has records that do not parse: skipped", "path", s.path, "records", bad)
	}
	s.size = good
	return nil
}

// remove deletes the file.
func (s *spool) remove() error {
	if s.f != nil {
		_ = s.f.Close()
		s.f = nil
	}
	s.lines, s.size, s.compacted, s.torn = 0, 0, 0, false
	err := os.Remove(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (s *spool) close() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Sync()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	if err != nil {
		return fmt.Errorf("close log spool %s: %w", s.path, err)
	}
	return nil
}
