package runner

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Process states, as `paasctl ps` shows them.
const (
	StateUp       = "up"
	StateCrashed  = "crashed"
	StateStarting = "starting"
)

// Process is one of an app's containers as a user sees it.
type Process struct {
	Name        string // "web.1"
	Release     int
	State       string // StateUp, StateCrashed or StateStarting
	StartedAt   time.Time
	ContainerID string
}

// Processes lists the app's processes, by name then release. During a deploy
// both the old and the new release's processes appear.
func (r *Runner) Processes(ctx context.Context, app string) ([]Process, error) {
	cs, err := r.list(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("list processes of %s: %w", app, err)
	}
	out := make([]Process, 0, len(cs))
	for _, c := range cs {
		out = append(out, Process{
			Name:        c.Labels[LabelProcess],
			Release:     parseReleaseLabel(c.Labels[LabelRelease]),
			State:       r.state(c),
			StartedAt:   c.StartedAt,
			ContainerID: c.ID,
		})
	}
	slices.SortFunc(out, func(a, b Process) int {
		return cmp.Or(compareNames(a.Name, b.Name), cmp.Compare(a.Release, b.Release))
	})
	return out, nil
}

// compareNames orders "web.2" before "web.10".
func compareNames(a, b string) int {
	at, an, _ := strings.Cut(a, ".")
	bt, bn, _ := strings.Cut(b, ".")
	ai, _ := strconv.Atoi(an)
	bi, _ := strconv.Atoi(bn)
	return cmp.Or(cmp.Compare(at, bt), cmp.Compare(ai, bi), cmp.Compare(a, b))
}

func (r *Runner) state(c Container) string {
	switch {
	case !c.Running:
		return StateCrashed
	case r.isBooting(c.ID):
		return StateStarting
	default:
		return StateUp
	}
}
