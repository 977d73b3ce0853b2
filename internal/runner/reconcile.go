package runner

import (
	"github.com/paas-dev/paas/internal/releases"
)

// slot is one process a release should run: type "web", name "web.1".
type slot struct {
	Type    string
	Process string
}

// formation is the processes rel should run. For now that is web.1 alone;
// scaling turns it into N slots per Procfile type, read from the ledger's
// formation.
func formation(rel releases.Release) []slot {
	return []slot{{Type: "web", Process: "web.1"}}
}

// plan brings an app's containers (actual) to a release's formation
// (desired). Restore applies it at start-up; crash restarts will apply it
// whenever a container exits.
type plan struct {
	keep   []Container // running containers of the release, one per slot
	start  []slot      // slots no running container fills
	remove []Container // the rest: other releases, exited containers, duplicates
}

// diff compares desired and actual. actual is oldest first (as List returns
// it), so of two running containers for one slot the newer is kept.
func diff(rel releases.Release, desired []slot, actual []Container) plan {
	var p plan
	want := releaseLabel(rel.Version)
	filled := map[string]int{} // process -> index in p.keep
	wanted := map[string]bool{}
	for _, s := range desired {
		wanted[s.Process] = true
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
	for _, s := range desired {
		if _, ok := filled[s.Process]; !ok {
			p.start = append(p.start, s)
		}
	}
	return p
}
