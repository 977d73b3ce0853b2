// Package version is what paasd and paasctl say they are: the Makefile
// stamps Version and Commit with -ldflags -X; a plain `go build` in a git
// checkout still gets the commit from the build info Go records.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time, e.g.
//
//	go build -ldflags "-X github.com/paas-dev/paas/internal/version.Version=v1.2.0 \
//	  -X github.com/paas-dev/paas/internal/version.Commit=0123abcd"
var (
	Version string
	Commit  string
)

// Info is a build's identity, as /healthz and `paasctl version --json` show it.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Go      string `json:"go"`
	// Modified is true when the binary was built from a checkout with
	// uncommitted changes (known only from Go's build info).
	Modified bool `json:"modified,omitempty"`
}

// Get returns this binary's identity, filling what the linker flags left
// empty from the build info: "(devel)" and "unknown" when neither says.
func Get() Info {
	i := Info{Version: Version, Commit: Commit, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if i.Version == "" && bi.Main.Version != "" {
			i.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && i.Commit == "":
				i.Commit = s.Value
			case s.Key == "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if i.Version == "" {
		i.Version = "(devel)"
	}
	if i.Commit == "" {
		i.Commit = "unknown"
	}
	return i
}

// String is one line: "v1.2.0 (commit 0123abcd4567, go1.26.8)".
func (i Info) String() string {
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if i.Modified {
		c += "+dirty"
	}
	return fmt.Sprintf("%s (commit %s, %s)", i.Version, c, i.Go)
}
