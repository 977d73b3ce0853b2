package runner

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/paas-dev/paas/internal/releases"
)

// listeningCheck is a web task's health check: something listens on port
// (state 0A in the kernel's socket tables, read by the task's own shell,
// since an app's image may have no curl or wget). An image without
// /bin/sh fails it; the router checks the health path itself before it
// sends a task requests.
func listeningCheck(port int) string {
	return fmt.Sprintf(`for f in /proc/net/tcp /proc/net/tcp6; do [ -r $f ] || continue; while read -r _ l _ s _; do case "$l $s" in *:%04X\ 0A) exit 0;; esac; done < $f; done; exit 1`, port)
}

// labelSpec on a task's container is a digest of what its service's spec
// asks its tasks to run.
const labelSpec = "paas.spec"

// swarmEnv is processEnv for the tasks of typ: the process is named by the
// task's slot, which the swarm fills in, and "{{" in config values is
// escaped, since the swarm expands every value as a template.
func swarmEnv(rel releases.Release, typ string) []string {
	escaped := rel
	escaped.Config = map[string]string{}
	for k, v := range rel.Config {
		escaped.Config[k] = strings.ReplaceAll(v, "{{", `{{"{{"}}`)
	}
	return processEnv(escaped, typ+".{{.Task.Slot}}")
}

// updateMonitor is how long a new task must stay up before the swarm takes
// the update of the next one on; one that fails within it rolls the whole
// update back.
const updateMonitor = 2 * time.Second

// serviceName is readable in `docker service ls` and unique to this paasd,
// app and type, within the 63 characters the swarm allows.
func serviceName(daemonID, app, typ string) string {
	name := "paas-" + daemonID + "-" + app + "-" + typ
	if len(name) <= 63 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:54] + "-" + hex.EncodeToString(sum[:4])
}

func daemonFilter(daemonID string) filters.Args {
	return filters.NewArgs(filters.Arg("label", LabelDaemon+"="+daemonID))
}

// services are the app's services, by process type.
func (s *Swarm) services(ctx context.Context, app string) (map[string]swarm.Service, error) {
	f := daemonFilter(s.opts.DaemonID)
	f.Add("label", LabelApp+"="+app)
	list, err := s.api.ServiceList(ctx, swarm.ServiceListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list services of %s: %w", app, err)
	}
	out := map[string]swarm.Service{}
	for _, svc := range list {
		if typ := svc.Spec.Labels[LabelType]; typ != "" {
			out[typ] = svc
		}
	}
	return out, nil
}

func replicas(svc swarm.Service) uint64 {
	if svc.Spec.Mode.Replicated == nil || svc.Spec.Mode.Replicated.Replicas == nil {
		return 0
	}
	return *svc.Spec.Mode.Replicated.Replicas
}

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

// serviceSpec is how process type typ of spec's release runs on the swarm,
// with image the release's image ID (by ID, so no node tries a registry).
// A web type's tasks are checked for a listener when the image has a
// shell; without one, the swarm takes a task as up once it runs.
func (s *Swarm) serviceSpec(spec Spec, typ, img string, shell bool) swarm.ServiceSpec {
	rel := spec.Release
	labels := map[string]string{
		LabelApp:     rel.App,
		LabelRelease: releaseLabel(rel.Version),
		LabelType:    typ,
		LabelDaemon:  s.opts.DaemonID,
	}
	grace := orDuration(spec.StopTimeout, s.opts.StopTimeout)
	delay := s.opts.BackoffBase
	n := uint64(spec.Formation[typ])
	// The tasks' containers are the swarm's, not paasd's: without the
	// daemon's label, the runner of one-offs on the manager's engine never
	// takes one for its own.
	taskLabels := maps.Clone(labels)
	delete(taskLabels, LabelDaemon)
	withInit := true // as on one engine: signals reach the app, zombies are reaped
	cs := &swarm.ContainerSpec{
		Image: img,
		// The task's slot names the process: the swarm fills it in.
		Env:             swarmEnv(rel, typ),
		Labels:          taskLabels,
		StopGracePeriod: &grace,
		StopSignal:      "SIGTERM",
		Init:            &withInit,
	}
	if cmd := command(rel, typ); cmd != nil {
		cs.Args = cmd // as the Docker backend's Cmd: the image's ENTRYPOINT stays
	}
	ss := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: serviceName(s.opts.DaemonID, rel.App, typ), Labels: labels},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: cs,
			Resources: &swarm.ResourceRequirements{Limits: &swarm.Limit{
				MemoryBytes: orDefault(spec.Memory[typ], s.opts.DefaultMemory),
				Pids:        orDefault(spec.PIDs[typ], s.opts.DefaultPIDs),
			}},
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionAny, Delay: &delay},
			// The app's own network, over every node: its add-ons and
			// one-offs join it on the manager.
			Networks: []swarm.NetworkAttachmentConfig{{Target: NetworkName(s.opts.DaemonID, rel.App)}},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &n}},
		// New before old, one at a time; a failure rolls back.
		UpdateConfig: &swarm.UpdateConfig{Parallelism: 1, Order: swarm.UpdateOrderStartFirst,
			FailureAction: swarm.UpdateFailureActionRollback, Monitor: updateMonitor},
		RollbackConfig: &swarm.UpdateConfig{Parallelism: 1, Order: swarm.UpdateOrderStartFirst,
			FailureAction: swarm.UpdateFailureActionPause, Monitor: updateMonitor},
	}
	if typ == webType && shell {
		boot := orDuration(spec.BootTimeout, s.opts.BootTimeout)
		// Every second, so that a new task is up within one of listening
		// (engines before API 1.44 have no faster start interval); the
		// swarm replaces a task that turns unhealthy, so it takes 10
		// failures in a row, 10 s without a listener.
		cs.Healthcheck = &container.HealthConfig{
			Test:     []string{"CMD-SHELL", listeningCheck(ContainerPort)},
			Interval: time.Second, Timeout: 2 * time.Second, Retries: 10,
			StartPeriod: boot,
		}
	}
	if typ == webType {
		// No ingress mesh (it needs IPVS): each task publishes on a port
		// of its node, which the router dials.
		ss.EndpointSpec = &swarm.EndpointSpec{Mode: swarm.ResolutionModeDNSRR, Ports: []swarm.PortConfig{{
			Protocol: swarm.PortConfigProtocolTCP, TargetPort: ContainerPort, PublishMode: swarm.PortConfigPublishModeHost,
		}}}
	}
	// What the tasks run, as one label: a task of the current spec has it.
	sum, _ := json.Marshal(ss.TaskTemplate)
	digest := sha256.Sum256(sum)
	cs.Labels[labelSpec] = hex.EncodeToString(digest[:8])
	return ss
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// put creates or updates the service of typ; restart forces new tasks even
// when nothing changed. It returns the service's ID.
func (s *Swarm) put(ctx context.Context, spec Spec, typ, img string, cur swarm.Service, restart bool) (id, digest string, err error) {
	shell := false
	if typ == webType {
		if shell, err = s.hasShell(ctx, img); err != nil {
			return "", "", err
		}
	}
	want := s.serviceSpec(spec, typ, img, shell)
	digest = want.TaskTemplate.ContainerSpec.Labels[labelSpec]
	net := NetworkName(s.opts.DaemonID, spec.Release.App)
	if _, err := s.api.NetworkCreate(ctx, net, NetworkCreateOptions(s.opts.DaemonID, spec.Release.App, true)); err != nil && !cerrdefs.IsConflict(err) {
		return "", "", fmt.Errorf("create network %s: %w", net, err)
	}
	if cur.ID == "" {
		resp, err := s.api.ServiceCreate(ctx, want, swarm.ServiceCreateOptions{})
		if err != nil {
			return "", "", fmt.Errorf("create service %s: %w", want.Name, err)
		}
		return resp.ID, digest, nil
	}
	// Its version as of now: the swarm moves it on as an update proceeds.
	cur, _, err = s.api.ServiceInspectWithRaw(ctx, cur.ID, swarm.ServiceInspectOptions{})
	if err != nil {
		return "", "", fmt.Errorf("inspect service %s: %w", want.Name, err)
	}
	want.TaskTemplate.ForceUpdate = cur.Spec.TaskTemplate.ForceUpdate
	if restart {
		want.TaskTemplate.ForceUpdate++
	}
	if _, err := s.api.ServiceUpdate(ctx, cur.ID, cur.Version, want, swarm.ServiceUpdateOptions{}); err != nil {
		return "", "", fmt.Errorf("update service %s: %w", want.Name, err)
	}
	return cur.ID, digest, nil
}

// apply puts typ's service and waits until the swarm has finished with it:
// every task of the new spec running (and, for web, routed), none of the
// old. A service this deploy created that does not come up is removed; an
// update that fails is rolled back by the swarm, and reported.
func (s *Swarm) apply(ctx context.Context, spec Spec, typ, img string, cur swarm.Service, restart bool, out io.Writer) error {
	n := spec.Formation[typ]
	if cur.ID != "" && replicas(cur) == uint64(n) && !restart &&
		cur.Spec.Labels[LabelRelease] == releaseLabel(spec.Release.Version) && taskImage(cur.Spec.TaskTemplate) == img {
		return nil
	}
	step(out, "Rolling %s onto %s: %d process(es), new before old", typ, releaseLabel(spec.Release.Version), n)
	id, put, err := s.put(ctx, spec, typ, img, cur, restart)
	if err != nil {
		return err
	}
	// Each task boots within the boot timeout, one after the other.
	bound := time.Duration(n+1)*(orDuration(spec.BootTimeout, s.opts.BootTimeout)+updateMonitor) + time.Minute
	wait, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	err = s.waitSettled(wait, spec, typ, id, put, cur.ID == "")
	if err == nil {
		step(out, "%s: %d process(es) up on %s", typ, n, releaseLabel(spec.Release.Version))
		return nil
	}
	if cur.ID == "" {
		// Nothing to roll back to: the new service goes.
		if rmErr := s.api.ServiceRemove(context.WithoutCancel(ctx), id); rmErr != nil && !isNotFound(rmErr) {
			s.log.Warn("remove a service that did not start", "service", id, "err", rmErr)
		}
	} else if !errors.Is(err, errRolledBack) {
		// Out of time, or cut short, while the swarm was still at it:
		// back to before, so that the release before is what runs.
		s.rollback(context.WithoutCancel(ctx), id)
	}
	return fmt.Errorf("%s did not start on %s: %w", typ, releaseLabel(spec.Release.Version), err)
}

// rollback asks the swarm to put the service's previous spec back.
func (s *Swarm) rollback(ctx context.Context, id string) {
	svc, _, err := s.api.ServiceInspectWithRaw(ctx, id, swarm.ServiceInspectOptions{})
	if err == nil {
		_, err = s.api.ServiceUpdate(ctx, id, svc.Version, svc.Spec, swarm.ServiceUpdateOptions{Rollback: "previous"})
	}
	if err != nil {
		s.log.Warn("roll a service back", "service", id, "err", err)
	}
}

// errRolledBack is an update the swarm itself rolled back.
var errRolledBack = errors.New("the swarm rolled the update back")

// waitSettled polls the service until its update is done and its tasks are
// those of its spec, running, and for web reached by the router. A new
// service (fresh) fails at the first of its tasks that fails: it has no
// update for the swarm to roll back. The manager not answering for a while
// is waited out until ctx ends.
func (s *Swarm) waitSettled(ctx context.Context, spec Spec, typ, id, put string, fresh bool) error {
	tick := time.NewTicker(followEvery)
	defer tick.Stop()
	var failed swarm.Task // the latest of the service's tasks that failed
	// why says what the latest failure was, with the failed process's last
	// output.
	why := func() string {
		if failed.ID == "" {
			return ""
		}
		proc := typ + "." + strconv.Itoa(failed.Slot)
		reason := cmp.Or(failed.Status.Err, failed.Status.Message)
		if strings.Contains(reason, "unhealthy") {
			reason += fmt.Sprintf(" (nothing listened on $PORT, %d, within the boot timeout)", ContainerPort)
		}
		return fmt.Sprintf("; %s %s: %s%s", proc, failed.Status.State, reason, s.taskOutput(ctx, failed.ID, proc))
	}
	var lastErr error
	for {
		svc, tasks, err := s.serviceTasks(ctx, id)
		if err != nil {
			lastErr = err
			s.log.Warn("wait for a service to settle", "service", id, "err", err)
		}
		if err == nil {
			done, latest := settled(svc, tasks, put)
			if latest.ID != "" {
				failed = latest
			}
			if u := svc.UpdateStatus; u != nil {
				switch u.State {
				case swarm.UpdateStateRollbackStarted, swarm.UpdateStateRollbackCompleted, swarm.UpdateStateRollbackPaused, swarm.UpdateStatePaused:
					return fmt.Errorf("%w: %s%s", errRolledBack, u.Message, why())
				}
			}
			if fresh && failed.ID != "" {
				return errors.New(strings.TrimPrefix(why(), "; "))
			}
			if done && typ == webType {
				s.followOnce(ctx)
				done = s.routedAll(spec.Release.App, svc, tasks)
			}
			if done && (svc.UpdateStatus == nil || svc.UpdateStatus.State == swarm.UpdateStateCompleted) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if lastErr != nil && failed.ID == "" {
				return fmt.Errorf("%w (the manager last said: %v)", ctx.Err(), lastErr)
			}
			return fmt.Errorf("%w%s", ctx.Err(), why())
		case <-tick.C:
		}
	}
}

// serviceTasks inspects the service and lists its tasks.
func (s *Swarm) serviceTasks(ctx context.Context, id string) (swarm.Service, []swarm.Task, error) {
	svc, _, err := s.api.ServiceInspectWithRaw(ctx, id, swarm.ServiceInspectOptions{})
	if err != nil {
		return svc, nil, fmt.Errorf("inspect service: %w", err)
	}
	tasks, err := s.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", id))})
	if err != nil {
		return svc, nil, fmt.Errorf("list tasks: %w", err)
	}
	return svc, tasks, nil
}

// taskImage is the image a task spec runs.
func taskImage(t swarm.TaskSpec) string {
	if t.ContainerSpec == nil {
		return ""
	}
	return t.ContainerSpec.Image
}

// taskOutput is the last lines a task wrote, for an error message. It
// reads with a context of its own: they are wanted most when ctx has ended.
func (s *Swarm) taskOutput(ctx context.Context, task, proc string) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	rc, err := s.api.TaskLogs(ctx, task, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(outputLines)})
	if err != nil {
		s.log.Warn("read output of failed process", "task", task, "err", err)
		return ""
	}
	defer rc.Close()
	var out strings.Builder
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil {
		s.log.Warn("read output of failed process", "task", task, "err", err)
		return ""
	}
	return formatOutput(proc, lastLines(out.String(), outputLines))
}

// settled reports whether exactly the service's replicas run with its
// current spec and no other task is meant to run (old ones may still be
// stopping, within their grace), and which task of the spec put (its
// digest; the service's spec is the one before once it rolls back) failed
// last, if any.
func settled(svc swarm.Service, tasks []swarm.Task, put string) (done bool, failed swarm.Task) {
	var running, other int
	for _, t := range tasks {
		bad := t.Status.State == swarm.TaskStateFailed || t.Status.State == swarm.TaskStateRejected || t.Status.Err != ""
		if bad && taskLabel(t, labelSpec) == put && t.Status.Timestamp.After(failed.Status.Timestamp) {
			failed = t
		}
		if t.DesiredState != swarm.TaskStateRunning {
			continue // on its way out, and no longer routed
		}
		if currentSpec(svc, t) && t.Status.State == swarm.TaskStateRunning {
			running++
		} else {
			other++
		}
	}
	return uint64(running) == replicas(svc) && other == 0, failed
}

// currentSpec says whether t runs the service's spec as it is now.
func currentSpec(svc swarm.Service, t swarm.Task) bool {
	want := svc.Spec.TaskTemplate
	return want.ContainerSpec != nil && taskLabel(t, labelSpec) == want.ContainerSpec.Labels[labelSpec] &&
		t.Spec.ForceUpdate == want.ForceUpdate
}
