package runner

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/network"

	"github.com/paas-dev/paas/internal/releases"
)

// Spec is the desired state of one app; the runner keeps it running.
type Spec struct {
	Release releases.Release
	// Formation is the number of instances per process type. "web" may be
	// used when the release has no Procfile (the image's CMD runs); any other
	// type must be in Release.Processes. Absent means 0. The "release" type
	// is never run as a formation process.
	Formation map[string]int
	// HealthPath "" means a web process is ready when it accepts TCP on its
	// bridge address; "/health" means an HTTP GET there must answer 2xx/3xx.
	HealthPath  string
	BootTimeout time.Duration    // 0 = Options.BootTimeout
	StopTimeout time.Duration    // 0 = Options.StopTimeout (SIGTERM -> SIGKILL grace)
	Memory      map[string]int64 // bytes per process type; absent/0 = Options.DefaultMemory
	PIDs        map[string]int64 // per process type; absent/0 = Options.DefaultPIDs
	CPUShares   map[string]int64 // per process type; absent/0 = Options.DefaultCPUShares
}

// ErrUnknownType is a process type the release does not have.
var ErrUnknownType = errors.New("unknown process type")

const (
	webType = "web"
	// releaseType is the Procfile's release-phase command: a one-off, never
	// part of a formation.
	releaseType = "release"
)

// validate reports a spec the runner cannot run.
func (s Spec) validate() error {
	rel := s.Release
	if rel.App == "" || rel.Image == "" || rel.Version < 1 {
		return fmt.Errorf("release %q v%d has no app, image or version", rel.App, rel.Version)
	}
	for _, t := range slices.Sorted(maps.Keys(s.Formation)) {
		n := s.Formation[t]
		if n < 0 {
			return fmt.Errorf("%s=%d: the number of processes cannot be negative", t, n)
		}
		if n > 0 && t != releaseType {
			if err := checkType(rel, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkType reports whether rel can run processes of type t.
func checkType(rel releases.Release, t string) error {
	if t == webType {
		return nil
	}
	if _, ok := rel.Processes[t]; ok && t != releaseType {
		return nil
	}
	return fmt.Errorf("%w %q: %s has %s (the Procfile's types, and web)",
		ErrUnknownType, t, releaseLabel(rel.Version), strings.Join(processTypes(rel), ", "))
}

// processTypes are the types rel can run as formation processes.
func processTypes(rel releases.Release) []string {
	types := []string{webType}
	for t := range rel.Processes {
		if t != webType && t != releaseType {
			types = append(types, t)
		}
	}
	slices.Sort(types)
	return types
}

func (r *Runner) bootTimeout(s Spec) time.Duration {
	if s.BootTimeout > 0 {
		return s.BootTimeout
	}
	return r.opts.BootTimeout
}

func (r *Runner) stopTimeout(s Spec) time.Duration {
	if s.StopTimeout > 0 {
		return s.StopTimeout
	}
	return r.opts.StopTimeout
}

func (r *Runner) memory(s Spec, typ string) int64 {
	return orDefault(s.Memory[typ], r.opts.DefaultMemory)
}

func orDefault(n, def int64) int64 {
	if n > 0 {
		return n
	}
	return def
}

// network is the app's own network: its processes reach each other, and
// other apps' only through the router.
func (r *Runner) network(app string) string {
	return NetworkName(r.opts.DaemonID, app)
}

// NetworkName is the network of app's processes under the paasd daemonID;
// an add-on attached to the app joins it.
func NetworkName(daemonID, app string) string {
	return "paas-" + daemonID + "-" + app
}

// NetworkCreateOptions is how app's network is made, by whichever needs it
// first: a bridge on one engine; on a swarm (overlay) a network over every
// node that containers outside the swarm's services may join too (add-ons'
// services and one-offs on the manager), so that the app's processes reach
// them from any node.
func NetworkCreateOptions(daemonID, app string, overlay bool) network.CreateOptions {
	opts := network.CreateOptions{Driver: "bridge", Labels: map[string]string{LabelApp: app, LabelDaemon: daemonID}}
	if overlay {
		opts.Driver, opts.Attachable = "overlay", true
	}
	return opts
}

// containerSpec is how instance in of spec's release runs. Only web
// processes have a port: nothing routes to the others. It is published
// only where paasd cannot reach containers at their address.
func (r *Runner) containerSpec(spec Spec, in instance) ContainerSpec {
	rel := spec.Release
	cs := ContainerSpec{
		Name:      containerName(rel.App, in.Process, rel.Version),
		Image:     rel.Image,
		Cmd:       command(rel, in.Type),
		Env:       processEnv(rel, in.Process),
		Labels:    r.labels(rel, in),
		Memory:    r.memory(spec, in.Type),
		PIDs:      orDefault(spec.PIDs[in.Type], r.opts.DefaultPIDs),
		CPUShares: orDefault(spec.CPUShares[in.Type], r.opts.DefaultCPUShares),
		Network:   r.network(rel.App),
	}
	if in.Type == webType {
		cs.Port, cs.Publish = ContainerPort, r.opts.PublishPorts
	}
	return cs
}

func (r *Runner) labels(rel releases.Release, in instance) map[string]string {
	return map[string]string{
		LabelApp:     rel.App,
		LabelRelease: releaseLabel(rel.Version),
		LabelProcess: in.Process,
		LabelType:    in.Type,
		LabelDaemon:  r.opts.DaemonID,
	}
}

// command runs the Procfile's command for the type through a shell, as
// Heroku does, so $PORT and other variables expand; without one the image's
// own CMD runs.
func command(rel releases.Release, typ string) []string {
	cmd, ok := rel.Processes[typ]
	if !ok || strings.TrimSpace(cmd) == "" {
		return nil
	}
	return []string{"/bin/sh", "-c", cmd}
}

// commandText is the command a process runs, as a user wrote it: the
// Procfile's line, or the image's command as the engine reports it.
func commandText(rel releases.Release, typ string, c Container) string {
	if cmd := strings.TrimSpace(rel.Processes[typ]); cmd != "" {
		return cmd
	}
	return c.Command
}

// containerName is readable in `docker ps` and unique, since an old and a new
// container of the same process and release can exist at once (a redeploy).
func containerName(app, proc string, version int) string {
	return fmt.Sprintf("paas-%s-%s-%s-%s", app, proc, releaseLabel(version), randomHex())
}

func randomHex() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func releaseLabel(version int) string { return "v" + strconv.Itoa(version) }

// parseReleaseLabel reads "v3"; 0 means the label is not one of ours.
func parseReleaseLabel(s string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "v"))
	if err != nil || !strings.HasPrefix(s, "v") || n < 1 {
		return 0
	}
	return n
}
