// Package procfile parses a Procfile: one "type: command" line per process
// type, as on Heroku.
package procfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/paas-dev/paas/api"
)

// MaxSize bounds what is read from a pushed repository.
const MaxSize = 64 << 10

// ErrInvalid marks every parse failure.
var ErrInvalid = errors.New("invalid Procfile")

// ValidType reports whether name can be a process type: a letter, then up to
// 29 letters, digits, '-' or '_'. Scaling and limits take the same names,
// which the API defines.
func ValidType(name string) bool { return api.ValidProcessType(name) }

// Parse returns process type -> command. Blank lines and lines starting with
// '#' are ignored; anything else must be "type: command".
func Parse(data []byte) (map[string]string, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes; keep it under %d", ErrInvalid, len(data), MaxSize)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: not UTF-8 text", ErrInvalid)
	}
	procs := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxSize+1)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, cmd, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%w: line %d: expected \"type: command\", got %q", ErrInvalid, n, line)
		}
		name, cmd = strings.TrimSpace(name), strings.TrimSpace(cmd)
		if !ValidType(name) {
			return nil, fmt.Errorf("%w: line %d: process type %q: use up to 30 letters, digits, '-' or '_', starting with a letter", ErrInvalid, n, name)
		}
		if cmd == "" {
			return nil, fmt.Errorf("%w: line %d: process type %q has no command", ErrInvalid, n, name)
		}
		if strings.ContainsRune(cmd, 0) {
			return nil, fmt.Errorf("%w: line %d: command contains a NUL byte", ErrInvalid, n)
		}
		if _, dup := procs[name]; dup {
			return nil, fmt.Errorf("%w: line %d: process type %q is defined twice", ErrInvalid, n, name)
		}
		procs[name] = cmd
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return procs, nil
}
