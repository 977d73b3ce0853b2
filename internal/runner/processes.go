package runner

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Process states, as `paasctl ps` shows them.
const (
	StateStarting = "starting"
	StateUp       = "up"
	StateCrashed  = "crashed"
	StateStopping = "stopping"
)

// Process is one of an app's processes as a user sees it.
type Process struct {
	Name        string // "web.2"
	Type        string // "web"
	Index       int    // 2
	Release     int
	State       string // StateStarting, StateUp, StateCrashed or StateStopping
	StartedAt   time.Time
	Restarts    int // containers the supervisor started after a crash
	ContainerID string
	Command     string
	Usage       *Usage // nil: not sampled (yet), or not running
	// Node is the swarm node that runs it (its hostname); "" on one
	// engine.
	Node string
}

// Processes lists the app's processes, by type, index and release. During a
// deploy both the old and the new release's processes appear; one-off
// processes appear while they run; a crashed process appears while it waits
// to restart.
func (r *Runner) Processes(ctx context.Context, app string) ([]Process, error) {
	cs, err := r.list(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("list processes of %s: %w", app, err)
	}
	r.mu.Lock()
	bySlot := map[string]*slot{}
	idle := map[string]*slot{} // by process: crashed before a container ran, or between two
	if a := r.apps[app]; a != nil {
		for _, s := range a.slots {
			if s.c.ID == "" {
				idle[s.Process] = s
			} else {
				bySlot[s.c.ID] = s
			}
		}
	}
	out := make([]Process, 0, len(cs)+len(idle))
	for _, c := range cs {
		in := instanceOf(c)
		p := Process{
			Name: in.Process, Type: in.Type, Index: in.Index,
			Release:   parseReleaseLabel(c.Labels[LabelRelease]),
			StartedAt: c.StartedAt, ContainerID: c.ID, Command: c.Command,
			State: StateUp,
		}
		s, ok := bySlot[c.ID]
		if !ok && !isOneOff(c) && r.info[c.ID] == (containerInfo{}) {
			// A container the supervisor has just started for an idle
			// slot, before the slot records it.
			if cand, found := idle[in.Process]; found && cand.rel.Version == p.Release {
				s, ok = cand, true
				delete(idle, in.Process)
			}
		}
		if ok {
			p.State, p.Restarts, p.Command = s.state, s.restarts, s.command
		} else if i, ok := r.info[c.ID]; ok {
			p.State = i.state
			if i.command != "" {
				p.Command = i.command
			}
		}
		if !c.Running && p.State != StateStopping {
			p.State = StateCrashed
		}
		if r.opts.Usage != nil && c.Running {
			if u, ok := r.opts.Usage.Usage(c.ID); ok {
				p.Usage = &u
			}
		}
		out = append(out, p)
	}
	for _, s := range idle {
		out = append(out, Process{
			Name: s.Process, Type: s.Type, Index: s.Index, Release: s.rel.Version,
			State: s.state, Restarts: s.restarts, Command: s.command,
		})
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b Process) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Index, b.Index), cmp.Compare(a.Release, b.Release), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}
