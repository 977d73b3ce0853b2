package runner

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/paas-dev/paas/internal/releases"
)

// instance is one process a formation should run: type "web", index 2,
// name "web.2".
type instance struct {
	Type    string
	Index   int
	Process string
}

func newInstance(typ string, index int) instance {
	return instance{Type: typ, Index: index, Process: typ + "." + strconv.Itoa(index)}
}

// instanceOf reads which instance c runs from its labels. Containers from
// before the type label get their type from the process name.
func instanceOf(c Container) instance {
	typ, idx := parseProcess(c.Labels[LabelProcess])
	if t := c.Labels[LabelType]; t != "" {
		typ = t
	}
	return instance{Type: typ, Index: idx, Process: c.Labels[LabelProcess]}
}

// parseProcess splits "web.2" into "web" and 2; an index that is not a
// number is 0.
func parseProcess(name string) (typ string, index int) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name, 0
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil {
		return name, 0
	}
	return name[:i], n
}

// instances is the formation of spec: web first, since the other types are
// replaced after web is cut over, then by type and index.
func instances(spec Spec) []instance {
	var out []instance
	for _, t := range slices.SortedFunc(maps.Keys(spec.Formation), compareTypes) {
		if t == releaseType {
			continue
		}
		for i := 1; i <= spec.Formation[t]; i++ {
			out = append(out, newInstance(t, i))
		}
	}
	return out
}

// compareTypes orders web before the other types.
func compareTypes(a, b string) int {
	return cmp.Or(-cmp.Compare(boolInt(a == webType), boolInt(b == webType)), cmp.Compare(a, b))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ofType(ins []instance, typ string) []instance {
	var out []instance
	for _, in := range ins {
		if in.Type == typ {
			out = append(out, in)
		}
	}
	return out
}

// isOneOff reports whether c is a one-off process, which no formation owns.
// Values of LabelOneOff: an attached one-off dies with its caller; a detached
// one runs on by itself.
const (
	oneOffAttached = "attached"
	oneOffDetached = "detached"
)

func isOneOff(c Container) bool { return c.Labels[LabelOneOff] != "" }

// plan brings an app's containers (actual) to a release's formation
// (desired). Restore applies it at start-up.
type plan struct {
	keep   []Container // running containers of the release, one per instance
	start  []instance  // instances no running container fills
	remove []Container // the rest: other releases, exited containers, duplicates
}

// diff compares desired and actual. actual is oldest first (as List returns
// it), so of two running containers for one instance the newer is kept.
func diff(rel releases.Release, desired []instance, actual []Container) plan {
	var p plan
	want := releaseLabel(rel.Version)
	filled := map[string]int{} // process -> index in p.keep
	wanted := map[string]bool{}
	for _, in := range desired {
		wanted[in.Process] = true
	}
	for _, c := range actual {
		proc := c.Labels[LabelProcess]
		if !c.Running || c.Labels[LabelRelease] != want || !wanted[proc] {
			p.remove = append(p.remove, c)
			continue
		}
		if i, ok := filled[proc]; ok {
			p.remove = append(p.remove, p.keep[i])
			p.keep[i] = c
			continue
		}
		filled[proc] = len(p.keep)
		p.keep = append(p.keep, c)
	}
	for _, in := range desired {
		if _, ok := filled[in.Process]; !ok {
			p.start = append(p.start, in)
		}
	}
	return p
}
