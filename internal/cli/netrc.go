package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ~/.netrc is where Heroku's CLI keeps its login, and git (through curl)
// reads it for HTTP remotes: one entry for the daemon's host lets paasctl and
// a plain `git push` share one login. The format is whitespace-separated
// tokens: "machine HOST login USER password TOKEN", "default ...", and
// "macdef NAME" followed by a macro body that ends at a blank line. Entries
// are per host, not per port: curl matches them so.
//
// The Go netrc packages on the module proxy are unmaintained, and one panics
// on a file that ends after "machine", so the little paasctl needs is here:
// find one machine's password, and replace or remove one machine's entry
// leaving every other byte of the user's file as it was.

// netrcPath is $NETRC if set (curl and git honour it too), else ~/.netrc.
func netrcPath() (string, error) {
	if p := os.Getenv("NETRC"); p != "" {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home directory for .netrc: %w (set HOME)", err)
	}
	return filepath.Join(home, ".netrc"), nil
}

// netrcToken is one token of a netrc file and where it is.
type netrcToken struct {
	text       string
	start, end int // byte offsets in the file
}

// lexNetrc splits a netrc file into tokens, skipping comments (# to the end
// of the line, at the start of a token) and macro bodies. A token may be
// double-quoted, with \" and \\ inside, as curl reads it.
func lexNetrc(data string) []netrcToken {
	var toks []netrcToken
	i := 0
	for i < len(data) {
		switch c := data[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			continue
		}
		start := i
		var b strings.Builder
		if data[i] == '"' {
			i++
			for i < len(data) && data[i] != '"' {
				if data[i] == '\\' && i+1 < len(data) {
					i++
				}
				b.WriteByte(data[i])
				i++
			}
			i++ // the closing quote, if there is one
			i = min(i, len(data))
		} else {
			for i < len(data) && !strings.ContainsRune(" \t\n\r", rune(data[i])) {
				b.WriteByte(data[i])
				i++
			}
		}
		toks = append(toks, netrcToken{text: b.String(), start: start, end: i})
		if b.String() == "macdef" {
			// The macro's name, then its body up to a blank line.
			for i < len(data) && data[i] != '\n' {
				i++
			}
			if end := strings.Index(data[i:], "\n\n"); end >= 0 {
				i += end + 2
			} else {
				i = len(data)
			}
		}
	}
	return toks
}

// netrcEntry is one machine's entry: its span in the file, its login and
// its password.
type netrcEntry struct {
	start, end      int
	login, password string
}

// netrcEntries finds every entry for host, in file order. An entry is
// "machine HOST" and the key-value pairs after it, up to the next machine,
// default or macdef.
func netrcEntries(data, host string) []netrcEntry {
	toks := lexNetrc(data)
	var entries []netrcEntry
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].text != "machine" || !strings.EqualFold(toks[i+1].text, host) {
			continue
		}
		e := netrcEntry{start: toks[i].start, end: toks[i+1].end}
		j := i + 2
		for j < len(toks) && !isNetrcEntryStart(toks[j].text) {
			if j+1 == len(toks) { // a key without its value, at the end
				e.end = toks[j].end
				j++
				break
			}
			switch toks[j].text {
			case "login":
				e.login = toks[j+1].text
			case "password":
				e.password = toks[j+1].text
			}
			e.end = toks[j+1].end
			j += 2
		}
		entries = append(entries, e)
		i = j - 1
	}
	return entries
}

func isNetrcEntryStart(tok string) bool {
	return tok == "machine" || tok == "default" || tok == "macdef"
}

// readNetrc returns the file, or "" when there is none.
func readNetrc() (path, data string, err error) {
	path, err = netrcPath()
	if err != nil {
		return "", "", err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read %s: %w", path, err)
	}
	return path, string(b), nil
}

// netrcPassword is the password of host's first entry with login, "" when
// there is none. Entries with another login are some other service's on the
// same host, whose secret is not for paasd.
func netrcPassword(host, login string) (string, error) {
	_, data, err := readNetrc()
	if err != nil {
		return "", err
	}
	for _, e := range netrcEntries(data, host) {
		if e.login == login {
			return e.password, nil
		}
	}
	return "", nil
}

// setNetrcMachine replaces host's entries for login with one holding
// password, or only removes them when password is "". Entries of other
// logins on the same host are some other service's and stay; shadowed says
// one of them comes first, which curl, and so git, would use instead. The
// rest of the file is kept byte for byte; it is written readable by the
// user alone, in one step.
func setNetrcMachine(host, login, password string) (path string, shadowed bool, err error) {
	if strings.ContainsAny(host+login+password, " \t\r\n\"#\\") {
		return "", false, errors.New("write .netrc: the host, login and token must not contain spaces, quotes, # or backslashes")
	}
	path, data, err := readNetrc()
	if err != nil {
		return "", false, err
	}
	entries := netrcEntries(data, host)
	for i := len(entries) - 1; i >= 0; i-- {
		if e := entries[i]; e.login == login {
			data = data[:e.start] + strings.TrimLeft(data[e.end:], " \t\r\n")
		} else {
			shadowed = true
		}
	}
	if password != "" {
		if data != "" && !strings.HasSuffix(data, "\n") {
			data += "\n"
		}
		data += fmt.Sprintf("machine %s\n  login %s\n  password %s\n", host, login, password)
	}
	if err := writePrivateFile(path, []byte(data)); err != nil {
		return "", false, fmt.Errorf("write %s: %w", path, err)
	}
	return path, shadowed, nil
}

// writePrivateFile replaces path with data, mode 0600, so that a failure
// never leaves half a token behind and the secret is never readable by
// others, even for a moment.
func writePrivateFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	// CreateTemp makes the file 0600 before any secret is in it.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after the rename this is a no-op
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
