package releases

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	none := []string{}
	tests := []struct {
		name string
		a, b Release
		want ReleaseDiff
	}{
		{
			name: "identical",
			a:    Release{Version: 1, Commit: "c1", Image: "i1", Config: map[string]string{"A": "1"}, Processes: map[string]string{"web": "serve"}},
			b:    Release{Version: 2, Commit: "c1", Image: "i1", Config: map[string]string{"A": "1"}, Processes: map[string]string{"web": "serve"}},
			want: ReleaseDiff{From: 1, To: 2, CommitFrom: "c1", CommitTo: "c1", ImageFrom: "i1", ImageTo: "i1",
				ConfigAdded: none, ConfigRemoved: none, ConfigChanged: none,
				ProcessesAdded: none, ProcessesRemoved: none, ProcessesChanged: none},
		},
		{
			name: "nil maps",
			a:    Release{Version: 1},
			b:    Release{Version: 2},
			want: ReleaseDiff{From: 1, To: 2,
				ConfigAdded: none, ConfigRemoved: none, ConfigChanged: none,
				ProcessesAdded: none, ProcessesRemoved: none, ProcessesChanged: none},
		},
		{
			name: "config added, removed and changed",
			a:    Release{Version: 3, Config: map[string]string{"KEEP": "same", "GONE": "x", "Z_CHANGED": "old", "A_CHANGED": "old"}},
			b:    Release{Version: 4, Config: map[string]string{"KEEP": "same", "NEW_B": "y", "NEW_A": "y", "Z_CHANGED": "new", "A_CHANGED": "new"}},
			want: ReleaseDiff{From: 3, To: 4,
				ConfigAdded: []string{"NEW_A", "NEW_B"}, ConfigRemoved: []string{"GONE"}, ConfigChanged: []string{"A_CHANGED", "Z_CHANGED"},
				ProcessesAdded: none, ProcessesRemoved: none, ProcessesChanged: none},
		},
		{
			name: "deploy: commit, image and processes",
			a:    Release{Version: 1, Commit: "c1", Image: "i1", Processes: map[string]string{"web": "serve", "clock": "tick"}},
			b:    Release{Version: 2, Commit: "c2", Image: "i2", Processes: map[string]string{"web": "serve --fast", "worker": "work"}},
			want: ReleaseDiff{From: 1, To: 2, CommitFrom: "c1", CommitTo: "c2", ImageFrom: "i1", ImageTo: "i2",
				ConfigAdded: none, ConfigRemoved: none, ConfigChanged: none,
				ProcessesAdded: []string{"worker"}, ProcessesRemoved: []string{"clock"}, ProcessesChanged: []string{"web"}},
		},
		{
			name: "backwards",
			a:    Release{Version: 5, Config: map[string]string{"A": "1"}},
			b:    Release{Version: 2, Config: map[string]string{}},
			want: ReleaseDiff{From: 5, To: 2,
				ConfigAdded: none, ConfigRemoved: []string{"A"}, ConfigChanged: none,
				ProcessesAdded: none, ProcessesRemoved: none, ProcessesChanged: none},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.a, tt.b)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff =\n%+v\nwant\n%+v", got, tt.want)
			}
			for _, l := range [][]string{got.ConfigAdded, got.ConfigRemoved, got.ConfigChanged, got.ProcessesAdded, got.ProcessesRemoved, got.ProcessesChanged} {
				if l == nil {
					t.Error("a nil list, want empty")
				}
			}
		})
	}
}
