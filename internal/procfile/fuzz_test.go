package procfile

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// FuzzParse: any input is parsed or refused, never a panic; what is parsed
// is valid, and written back out it parses to the same thing.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"web: bundle exec puma -p $PORT\nworker: rake jobs:work\n",
		"# comment\n\nrelease: ./migrate\r\nweb:node server.js",
		"web: a: b: c",
		"web:\n",
		"1web: x\n",
		"web: x\nweb: y\n",
		"web x\n",
		"web: \x00\n",
		"\xff\xfe",
		strings.Repeat("a", MaxSize+1),
		"w" + strings.Repeat("e", 40) + ": x",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		procs, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not marked ErrInvalid: %v", err)
			}
			if procs != nil {
				t.Errorf("an error and a result: %v, %v", procs, err)
			}
			return
		}
		var again strings.Builder
		for _, name := range slices.Sorted(maps.Keys(procs)) {
			cmd := procs[name]
			if !ValidType(name) || cmd == "" || strings.ContainsAny(cmd, "\x00\n") || cmd != strings.TrimSpace(cmd) {
				t.Fatalf("parsed %q: %q, which is not valid", name, cmd)
			}
			fmt.Fprintf(&again, "%s: %s\n", name, cmd)
		}
		back, err := Parse([]byte(again.String()))
		if err != nil || !maps.Equal(back, procs) {
			t.Errorf("%q parsed to %v; written back and parsed again: %v, %v", data, procs, back, err)
		}
	})
}
