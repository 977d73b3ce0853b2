package releases

import (
	"maps"
	"slices"
)

// ReleaseDiff is what changed from one release to another. Config vars are
// named, never valued: values are secrets. Every list is sorted and non-nil.
type ReleaseDiff struct {
	From       int    `json:"from"`
	To         int    `json:"to"`
	CommitFrom string `json:"commit_from"`
	CommitTo   string `json:"commit_to"`
	ImageFrom  string `json:"image_from"`
	ImageTo    string `json:"image_to"`

	ConfigAdded   []string `json:"config_added"`
	ConfigRemoved []string `json:"config_removed"`
	ConfigChanged []string `json:"config_changed"`

	ProcessesAdded   []string `json:"processes_added"`
	ProcessesRemoved []string `json:"processes_removed"`
	ProcessesChanged []string `json:"processes_changed"` // same type, different command
}

// Diff says what changed from a to b.
func Diff(a, b Release) ReleaseDiff {
	d := ReleaseDiff{
		From: a.Version, To: b.Version,
		CommitFrom: a.Commit, CommitTo: b.Commit,
		ImageFrom: a.Image, ImageTo: b.Image,
	}
	d.ConfigAdded, d.ConfigRemoved, d.ConfigChanged = diffKeys(a.Config, b.Config)
	d.ProcessesAdded, d.ProcessesRemoved, d.ProcessesChanged = diffKeys(a.Processes, b.Processes)
	return d
}

// diffKeys returns the keys only in b, only in a, and in both with different
// values, each sorted.
func diffKeys(a, b map[string]string) (added, removed, changed []string) {
	added, removed, changed = []string{}, []string{}, []string{}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		av, ok := a[k]
		switch {
		case !ok:
			added = append(added, k)
		case av != b[k]:
			changed = append(changed, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if _, ok := b[k]; !ok {
			removed = append(removed, k)
		}
	}
	return added, removed, changed
}
