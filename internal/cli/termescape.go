package cli

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// controlEscaper writes what apps logged with its control characters made
// visible (ESC as \x1b), so a log line cannot retitle, clear or take over
// the terminal it is shown on. Newlines and tabs pass; nothing else does.
type controlEscaper struct {
	w       io.Writer
	partial []byte // the start of a UTF-8 sequence split across writes
	out     []byte
}

func newControlEscaper(w io.Writer) *controlEscaper { return &controlEscaper{w: w} }

func (e *controlEscaper) Write(p []byte) (int, error) {
	buf := append(e.partial, p...)
	e.partial = nil
	e.out = e.out[:0]
	for len(buf) > 0 {
		if !utf8.FullRune(buf) {
			e.partial = append([]byte(nil), buf...)
			break
		}
		r, size := utf8.DecodeRune(buf)
		switch {
		case r == utf8.RuneError && size == 1: // not UTF-8: a lone byte such as 0x9b (CSI)
			e.out = fmt.Appendf(e.out, `\x%02x`, buf[0])
		case r == '\n' || r == '\t':
			e.out = append(e.out, byte(r))
		case r < 0x20 || r == 0x7f:
			e.out = fmt.Appendf(e.out, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f: // C1 controls, CSI among them
			e.out = fmt.Appendf(e.out, `\u%04x`, r)
		default:
			e.out = append(e.out, buf[:size]...)
		}
		buf = buf[size:]
	}
	if _, err := e.w.Write(e.out); err != nil {
		return 0, err
	}
	return len(p), nil
}
