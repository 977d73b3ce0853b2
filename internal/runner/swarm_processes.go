package runner

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/swarm"
)

// Processes lists the app's tasks that are meant to run or still run, with
// the node of each, then its one-off processes. A process's restarts are
// the failed tasks of its slot on the same release.
func (s *Swarm) Processes(ctx context.Context, app string) ([]Process, error) {
	services, err := s.services(ctx, app)
	if err != nil {
		return nil, err
	}
	var out []Process
	if len(services) > 0 {
		byID := map[string]swarm.Service{}
		for _, svc := range services {
			byID[svc.ID] = svc
		}
		tasks, err := s.tasksOf(ctx, slices.Collect(maps.Values(services)))
		if err != nil {
			return nil, fmt.Errorf("list processes of %s: %w", app, err)
		}
		failed := map[string]int{} // by service, slot and release
		for _, t := range tasks {
			if t.Status.State == swarm.TaskStateFailed || t.Status.State == swarm.TaskStateRejected {
				failed[slotKey(t)]++
			}
		}
		for _, t := range tasks {
			if !taskRuns(t) {
				continue
			}
			svc := byID[t.ServiceID]
			typ := svc.Spec.Labels[LabelType]
			p := Process{
				Name: typ + "." + strconv.Itoa(t.Slot), Type: typ, Index: t.Slot,
				Release:  parseReleaseLabel(taskLabel(t, LabelRelease)),
				State:    taskState(t.Status.State, t.DesiredState),
				Restarts: failed[slotKey(t)],
				Command:  taskCommand(t),
				Node:     s.hostname(t.NodeID),
			}
			if p.State == StateUp {
				p.StartedAt = s.upSince(t)
			}
			if cs := t.Status.ContainerStatus; cs != nil {
				p.ContainerID = cs.ContainerID
			}
			if u, ok := s.usage(p); ok {
				p.Usage = &u
			}
			if p.ContainerID == "" {
				p.ContainerID = t.ID
			}
			out = append(out, p)
		}
	}
	oneOffs, err := s.oneOffs.Processes(ctx, app)
	if err != nil {
		return nil, err
	}
	out = append(out, oneOffs...)
	slices.SortFunc(out, func(a, b Process) int {
		return cmp.Or(compareTypes(a.Type, b.Type), cmp.Compare(a.Index, b.Index), cmp.Compare(a.Release, b.Release), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

func taskLabel(t swarm.Task, key string) string {
	if t.Spec.ContainerSpec == nil {
		return ""
	}
	return t.Spec.ContainerSpec.Labels[key]
}

func slotKey(t swarm.Task) string {
	return t.ServiceID + "/" + strconv.Itoa(t.Slot) + "/" + taskLabel(t, LabelRelease)
}

// usage is what a process's container used when its node's engine was
// last sampled.
func (s *Swarm) usage(p Process) (Usage, bool) {
	if s.opts.Usage == nil || p.State != StateUp || p.ContainerID == "" {
		return Usage{}, false
	}
	return s.opts.Usage.Usage(p.ContainerID)
}

// upSince is when the task was first seen running, or its status time if
// the follower has not seen it yet.
func (s *Swarm) upSince(t swarm.Task) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seen := s.tasks[t.ID]; !seen.upSince.IsZero() {
		return seen.upSince
	}
	return t.Status.Timestamp
}

// taskCommand is the Procfile line a task runs (through /bin/sh -c, see
// command), or "" for the image's own.
func taskCommand(t swarm.Task) string {
	if cs := t.Spec.ContainerSpec; cs != nil && len(cs.Args) == 3 && cs.Args[0] == "/bin/sh" && cs.Args[1] == "-c" {
		return cs.Args[2]
	}
	return ""
}
