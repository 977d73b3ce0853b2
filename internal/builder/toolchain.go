package builder

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
)

// What the stack's Debian packages provide. Go is Debian's 1.23 (from
// bookworm-backports), or any release the go command fetches.
const (
	StackNodeVersion   = "18.19.0"
	StackPythonVersion = "3.11"
	nodeMajor          = "18"
	// minGoVersion stands for go lines older than toolchain switching
	// (Go 1.21): any Go builds them, so the stack's own does.
	minGoVersion = "1.21.0"
)

var (
	goVersionPattern = regexp.MustCompile(`^1\.(\d+)(\.\d+)?((rc|beta)\d+)?$`)
	modulePattern    = regexp.MustCompile(`^[A-Za-z0-9._~/-]+$`)
)

// goVersion reads go.mod: the Go version to build with (its toolchain
// line, else its go line, "1.22" meaning "1.22.0") and the module path.
func goVersion(mod []byte) (version, module string, err error) {
	var goLine, toolchain string
	for _, line := range strings.Split(string(mod), "\n") {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			if f[0] == "go" || f[0] == "toolchain" {
				return "", "", fmt.Errorf("%w: go.mod line %q: write it as go 1.22 or toolchain go1.22.5", ErrNotDetected, strings.TrimSpace(line))
			}
			continue
		}
		switch f[0] {
		case "module":
			module = strings.Trim(f[1], `"`)
		case "go":
			goLine = f[1]
		case "toolchain":
			if f[1] != "default" {
				toolchain = strings.TrimPrefix(f[1], "go")
			}
		}
	}
	if module == "" || !modulePattern.MatchString(module) {
		return "", "", fmt.Errorf("%w: go.mod has no module line paas can read: start it with module example.com/app", ErrNotDetected)
	}
	v := toolchain
	if v == "" {
		v = goLine
	}
	if v == "" {
		return minGoVersion, module, nil // no go line: Go 1.16 semantics, any Go builds it
	}
	m := goVersionPattern.FindStringSubmatch(v)
	if m == nil {
		return "", "", fmt.Errorf("%w: go.mod asks for Go %q, which is not a Go version (example: go 1.22)", ErrNotDetected, v)
	}
	if minor, _ := strconv.Atoi(m[1]); minor < 21 {
		return minGoVersion, module, nil
	}
	if m[2] == "" && m[3] == "" {
		v += ".0" // since Go 1.21, "1.22" is the release 1.22.0
	}
	return v, module, nil
}

// checkNodeRange checks that engines.node of package.json lets the stack's
// Node.js run the app.
func checkNodeRange(r string) error {
	ok, err := nodeRangeAllows(r, StackNodeVersion)
	if err != nil {
		return fmt.Errorf("%w: package.json engines.node %q: %v: use a range such as 18.x or >=16", ErrNotDetected, r, err)
	}
	if !ok {
		return fmt.Errorf("%w: package.json engines.node asks for %s; the stack provides Node.js %s (Debian's): change engines.node, or add a Dockerfile", ErrNotDetected, r, StackNodeVersion)
	}
	return nil
}

// nodeRangeAllows reports whether the npm semver range r allows version:
// alternatives (||) of comparators (>=16 <20, ^18.0.0, ~18.19, 18.x, 16 - 20).
func nodeRangeAllows(r, version string) (bool, error) {
	v, _, err := parsePartial(version)
	if err != nil {
		return false, err
	}
	r = strings.TrimSpace(r)
	if r == "" || r == "*" || r == "lts/*" || r == "latest" || r == "node" {
		return true, nil
	}
	for _, alt := range strings.Split(r, "||") {
		f := strings.Fields(alt)
		if len(f) == 3 && f[1] == "-" { // hyphen range
			f = []string{">=" + f[0], "<=" + f[2]}
		}
		all := len(f) > 0
		for _, c := range f {
			ok, err := comparatorAllows(c, v)
			if err != nil {
				return false, err
			}
			all = all && ok
		}
		if all {
			return true, nil
		}
	}
	return false, nil
}

// parsePartial parses "18", "18.x", "18.19.0", "v18": the numbers given
// and how many there are (x and * end it).
func parsePartial(s string) ([3]int, int, error) {
	var v [3]int
	s = strings.TrimPrefix(s, "v")
	if s == "" || s == "*" || s == "x" || s == "X" {
		return v, 0, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return v, 0, fmt.Errorf("%q is not a version", s)
	}
	n := 0
	for i, p := range parts {
		if p == "x" || p == "X" || p == "*" {
			break
		}
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return v, 0, fmt.Errorf("%q is not a version", s)
		}
		v[i], n = x, i+1
	}
	return v, n, nil
}

func compare(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// next is the smallest version above every one p (n numbers given) covers.
func next(p [3]int, n int) [3]int {
	switch n {
	case 1:
		return [3]int{p[0] + 1, 0, 0}
	case 2:
		return [3]int{p[0], p[1] + 1, 0}
	default:
		return [3]int{p[0], p[1], p[2] + 1}
	}
}

func comparatorAllows(c string, v [3]int) (bool, error) {
	op := ""
	for _, o := range []string{">=", "<=", ">", "<", "=", "^", "~"} {
		if strings.HasPrefix(c, o) {
			op, c = o, strings.TrimPrefix(c, o)
			break
		}
	}
	p, n, err := parsePartial(c)
	if err != nil {
		return false, err
	}
	if n == 0 {
		return true, nil // *, x
	}
	switch op {
	case ">=":
		return compare(v, p) >= 0, nil
	case ">":
		return compare(v, next(p, n)) >= 0, nil
	case "<":
		return compare(v, p) < 0, nil
	case "<=":
		return compare(v, next(p, n)) < 0, nil
	case "^":
		upper := [3]int{p[0] + 1, 0, 0}
		if p[0] == 0 {
			upper = next(p, min(n, 2))
		}
		return compare(v, p) >= 0 && compare(v, upper) < 0, nil
	case "~":
		return compare(v, p) >= 0 && compare(v, next(p, min(n, 2))) < 0, nil
	default: // "=" or bare: the versions p covers
		return compare(v, p) >= 0 && compare(v, next(p, n)) < 0, nil
	}
}

var pythonVersionPattern = regexp.MustCompile(`^(?:python-)?(3\.\d+)(\.\d+)?$`)

// pythonVersion reads .python-version or runtime.txt; the stack has one
// Python, which they must allow.
func pythonVersion(src SourceFiles) (string, error) {
	for _, name := range []string{".python-version", "runtime.txt"} {
		data, err := src.ReadFile(name, maxManifest)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", name, err)
		}
		want := strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0])
		m := pythonVersionPattern.FindStringSubmatch(want)
		if m == nil {
			return "", fmt.Errorf("%w: %s asks for Python %q, which is not a Python 3 version (example: 3.11)", ErrNotDetected, name, want)
		}
		if m[1] != StackPythonVersion {
			return "", fmt.Errorf("%w: %s asks for Python %s; the stack provides Python %s (Debian's): change %s, or add a Dockerfile", ErrNotDetected, name, want, StackPythonVersion, name)
		}
	}
	return StackPythonVersion, nil
}
