package runner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// publishIP keeps published ports off the network: only the router, on this
// machine, reaches processes.
const publishIP = "127.0.0.1"

// dockerAPI is the part of the Docker client the backend uses.
type dockerAPI interface {
	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *ocispec.Platform, containerName string) (container.CreateResponse, error)
	ContainerStart(ctx context.Context, id string, options container.StartOptions) error
	ContainerStop(ctx context.Context, id string, options container.StopOptions) error
	ContainerRemove(ctx context.Context, id string, options container.RemoveOptions) error
	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error)
	ContainerLogs(ctx context.Context, id string, options container.LogsOptions) (io.ReadCloser, error)
	ContainerWait(ctx context.Context, id string, condition container.WaitCondition) (<-chan container.WaitResponse, <-chan error)
	ContainerAttach(ctx context.Context, id string, options container.AttachOptions) (types.HijackedResponse, error)
	NetworkCreate(ctx context.Context, name string, options network.CreateOptions) (network.CreateResponse, error)
	NetworkRemove(ctx context.Context, networkID string) error
}

// Docker runs containers on the local Docker Engine.
type Docker struct {
	api dockerAPI
	// Overlay makes the app networks it creates overlays of the swarm the
	// engine manages (PAAS_BACKEND=swarm); see NetworkCreateOptions.
	Overlay   bool
	networkMu sync.Mutex      // protects networks
	networks  map[string]bool // app networks known to exist
}

var _ Backend = (*Docker)(nil)

// NewDocker returns a backend on cli; cli should negotiate the API version,
// since Debian's engine speaks 1.41.
func NewDocker(cli *client.Client) *Docker {
	return &Docker{api: cli, networks: map[string]bool{}}
}

// Start creates and starts a container and returns it as inspected after the
// start. If any step fails, the container is removed again: a failed Start
// leaves nothing behind.
func (d *Docker) Start(ctx context.Context, spec ContainerSpec) (Container, error) {
	cfg, host := configs(spec)
	created, err := d.create(ctx, cfg, host, spec)
	if err != nil {
		return Container{}, err
	}
	c, err := d.startCreated(ctx, created.ID, spec)
	if err != nil {
		d.removeAfterFailure(ctx, created.ID)
		return Container{}, err
	}
	return c, nil
}

// create creates spec's container, on the app's network, which is made on
// first use.
func (d *Docker) create(ctx context.Context, cfg *container.Config, host *container.HostConfig, spec ContainerSpec) (container.CreateResponse, error) {
	if err := d.ensureNetwork(ctx, spec); err != nil {
		return container.CreateResponse{}, err
	}
	created, err := d.api.ContainerCreate(ctx, cfg, host, nil, nil, spec.Name)
	if err != nil {
		return container.CreateResponse{}, fmt.Errorf("create container %s: %w", spec.Name, err)
	}
	return created, nil
}

// ensureNetwork creates spec's network, labelled with its app and daemon,
// unless it exists. Containers on different user-defined bridges cannot reach
// each other; the host, and so the router, reaches them all.
func (d *Docker) ensureNetwork(ctx context.Context, spec ContainerSpec) error {
	if spec.Network == "" {
		return nil
	}
	d.networkMu.Lock()
	defer d.networkMu.Unlock()
	if d.networks[spec.Network] {
		return nil
	}
	_, err := d.api.NetworkCreate(ctx, spec.Network, NetworkCreateOptions(spec.Labels[LabelDaemon], spec.Labels[LabelApp], d.Overlay))
	if err != nil && !cerrdefs.IsConflict(err) {
		return fmt.Errorf("create network %s: %w (if the engine has no address pool left, add default-address-pools to its daemon.json)", spec.Network, err)
	}
	d.networks[spec.Network] = true
	return nil
}

// forgetNetwork makes the next start check spec's network again: a start
// that found something missing may have found it removed behind our back.
func (d *Docker) forgetNetwork(spec ContainerSpec, err error) {
	if spec.Network == "" || !cerrdefs.IsNotFound(err) {
		return
	}
	d.networkMu.Lock()
	defer d.networkMu.Unlock()
	delete(d.networks, spec.Network)
}

// RemoveNetwork removes an app's network.
func (d *Docker) RemoveNetwork(ctx context.Context, name string) error {
	d.networkMu.Lock()
	defer d.networkMu.Unlock()
	delete(d.networks, name)
	err := d.api.NetworkRemove(ctx, name)
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove network %s: %w", name, err)
	}
	return nil
}

// configs turns spec into Docker's create arguments.
func configs(spec ContainerSpec) (*container.Config, *container.HostConfig) {
	cfg := &container.Config{
		Image:  spec.Image,
		Cmd:    spec.Cmd,
		Env:    spec.Env,
		Labels: spec.Labels,
	}
	// Init runs docker-init as PID 1, so a process that installs no SIGTERM
	// handler still stops on SIGTERM (PID 1 ignores it otherwise) and zombies
	// are reaped.
	useInit := true
	host := &container.HostConfig{Init: &useInit, AutoRemove: spec.AutoRemove, NetworkMode: container.NetworkMode(spec.Network)}
	if spec.PIDs > 0 {
		host.PidsLimit = &spec.PIDs
	}
	host.CPUShares = spec.CPUShares
	if spec.Memory > 0 {
		// Swap equal to memory means no swap on top: the limit is real.
		host.Memory = spec.Memory
		host.MemorySwap = spec.Memory
	}
	if spec.Port != 0 {
		port := nat.Port(strconv.Itoa(spec.Port) + "/tcp")
		cfg.ExposedPorts = nat.PortSet{port: {}}
		if spec.Publish {
			host.PortBindings = nat.PortMap{port: {{HostIP: publishIP}}}
		}
	}
	return cfg, host
}

func (d *Docker) startCreated(ctx context.Context, id string, spec ContainerSpec) (Container, error) {
	if err := d.api.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		d.forgetNetwork(spec, err)
		return Container{}, fmt.Errorf("start container %s: %w", spec.Name, err)
	}
	c, err := d.Inspect(ctx, id)
	if err != nil && spec.AutoRemove && cerrdefs.IsNotFound(err) {
		// It ran, exited and removed itself before the inspect.
		return Container{ID: id, Name: spec.Name, Labels: spec.Labels, AutoRemove: true}, nil
	}
	if err != nil {
		return Container{}, err
	}
	return c, nil
}

// removeAfterFailure removes a container a failed call created. The caller's
// context may be what failed; the clean-up must still run.
func (d *Docker) removeAfterFailure(ctx context.Context, id string) {
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = d.Remove(rmCtx, id)
}

// Wait blocks until the container is not running and returns its exit code.
func (d *Docker) Wait(ctx context.Context, id string) (int, error) {
	resC, errC := d.api.ContainerWait(ctx, id, container.WaitConditionNotRunning)
	return waitResult(id, resC, errC)
}

func waitResult(id string, resC <-chan container.WaitResponse, errC <-chan error) (int, error) {
	select {
	case res := <-resC:
		if res.Error != nil && res.Error.Message != "" {
			return 0, fmt.Errorf("wait for container %s: %s", shortID(id), res.Error.Message)
		}
		return int(res.StatusCode), nil
	case err := <-errC:
		return 0, fmt.Errorf("wait for container %s: %w", shortID(id), err)
	}
}

// Run creates a container, attaches to it before it starts (so no output is
// missed), starts it and copies its streams until it exits.
func (d *Docker) Run(ctx context.Context, spec ContainerSpec, stdio Stdio, started func(Container)) (int, error) {
	cfg, host := configs(spec)
	cfg.AttachStdout, cfg.AttachStderr = true, true
	if stdio.Stdin != nil {
		// StdinOnce: when the attached stdin closes, the process's stdin
		// gets EOF, as `docker run -i` with a pipe does.
		cfg.AttachStdin, cfg.OpenStdin, cfg.StdinOnce = true, true, true
	}
	created, err := d.create(ctx, cfg, host, spec)
	if err != nil {
		return 0, err
	}
	id := created.ID
	hj, err := d.api.ContainerAttach(ctx, id, container.AttachOptions{Stream: true, Stdin: stdio.Stdin != nil, Stdout: true, Stderr: true})
	if err != nil {
		d.removeAfterFailure(ctx, id)
		return 0, fmt.Errorf("attach to container %s: %w", spec.Name, err)
	}
	defer hj.Close()
	// Registered before the start, so an instant exit is not missed.
	resC, errC := d.api.ContainerWait(ctx, id, container.WaitConditionNextExit)
	if err := d.api.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		d.forgetNetwork(spec, err)
		d.removeAfterFailure(ctx, id)
		return 0, fmt.Errorf("start container %s: %w", spec.Name, err)
	}
	c, err := d.Inspect(ctx, id)
	if err != nil {
		c = Container{ID: id, Name: spec.Name, Labels: spec.Labels}
	}
	started(c)

	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = stdcopy.StdCopy(orDiscard(stdio.Stdout), orDiscard(stdio.Stderr), hj.Reader)
	}()
	if stdio.Stdin != nil {
		// This goroutine ends when stdin does: a Reader cannot be
		// interrupted, so the caller should close its source after Run.
		go func() {
			_, _ = io.Copy(hj.Conn, stdio.Stdin)
			_ = hj.CloseWrite()
		}()
	}
	code, err := waitResult(id, resC, errC)
	if err != nil {
		hj.Close()
		<-copied
		return 0, err
	}
	// The stream ends with the process's last output.
	select {
	case <-copied:
	case <-ctx.Done():
		hj.Close()
		<-copied
	}
	return code, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// Stop sends SIGTERM and, after grace, SIGKILL. Docker counts the grace in
// whole seconds, so it is rounded up.
func (d *Docker) Stop(ctx context.Context, id string, grace time.Duration) error {
	secs := int(math.Ceil(grace.Seconds()))
	err := d.api.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("stop container %s: %w", shortID(id), err)
	}
	return nil
}

// Remove force-removes a container and its anonymous volumes.
func (d *Docker) Remove(ctx context.Context, id string) error {
	err := d.api.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", shortID(id), err)
	}
	return nil
}

// List returns the containers, in any state, that carry all of labels, oldest
// first.
func (d *Docker) List(ctx context.Context, labels map[string]string) ([]Container, error) {
	args := filters.NewArgs()
	for k, v := range labels {
		args.Add("label", k+"="+v)
	}
	summaries, err := d.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	// The summary lacks the start time and exit code, so each one is
	// inspected; an app has a handful of containers.
	out := make([]Container, 0, len(summaries))
	for _, s := range summaries {
		c, err := d.Inspect(ctx, s.ID)
		if cerrdefs.IsNotFound(err) {
			continue // removed since the list
		}
		if err != nil {
			return nil, fmt.Errorf("list containers: %w", err)
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	return out, nil
}

// Inspect returns one container's current state.
func (d *Docker) Inspect(ctx context.Context, id string) (Container, error) {
	resp, err := d.api.ContainerInspect(ctx, id)
	if err != nil {
		return Container{}, fmt.Errorf("inspect container %s: %w", shortID(id), err)
	}
	return fromInspect(resp), nil
}

// Logs returns the last n lines the container wrote to stdout and stderr.
func (d *Docker) Logs(ctx context.Context, id string, n int) ([]string, error) {
	rc, err := d.api.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(n)})
	if err != nil {
		return nil, fmt.Errorf("read logs of container %s: %w", shortID(id), err)
	}
	defer rc.Close()
	// Without a TTY the stream is multiplexed; both streams go to one buffer
	// so the lines keep their order.
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return nil, fmt.Errorf("read logs of container %s: %w", shortID(id), err)
	}
	return lastLines(buf.String(), n), nil
}

func fromInspect(resp container.InspectResponse) Container {
	c := Container{Labels: map[string]string{}}
	if resp.ContainerJSONBase != nil {
		c.ID = resp.ID
		c.Name = strings.TrimPrefix(resp.Name, "/")
		c.Command = strings.Join(append([]string{resp.Path}, resp.Args...), " ")
		if resp.HostConfig != nil {
			c.AutoRemove = resp.HostConfig.AutoRemove
		}
		if st := resp.State; st != nil {
			c.Running = st.Running
			c.ExitCode = st.ExitCode
			c.StartedAt = parseDockerTime(st.StartedAt)
		}
	}
	if resp.Config != nil && resp.Config.Labels != nil {
		c.Labels = resp.Config.Labels
	}
	if ns := resp.NetworkSettings; ns != nil && c.Running {
		c.HostAddr, c.ContainerAddr = addrs(ns)
	}
	return c
}

// addrs picks the container's port at its bridge address and, when it is
// published, on the host. Start exposes one port at most.
func addrs(ns *container.NetworkSettings) (host, bridge string) {
	var port nat.Port
	for p := range ns.Ports {
		if p.Proto() == "tcp" && (port == "" || p.Int() < port.Int()) {
			port = p
		}
	}
	if port == "" {
		return "", ""
	}
	for _, b := range ns.Ports[port] {
		if b.HostPort == "" {
			continue
		}
		ip := b.HostIP
		if ip == "" || ip == "0.0.0.0" || ip == "::" {
			ip = publishIP
		}
		host = net.JoinHostPort(ip, b.HostPort)
		break
	}
	// Map order is random; sorted names make the choice stable when a
	// container is on several networks.
	names := make([]string, 0, len(ns.Networks))
	for name := range ns.Networks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if ep := ns.Networks[name]; ep != nil && ep.IPAddress != "" {
			bridge = net.JoinHostPort(ep.IPAddress, port.Port())
			break
		}
	}
	return host, bridge
}

// parseDockerTime reads Docker's RFC 3339 times; the zero time it reports for
// a container that never ran ("0001-01-01T00:00:00Z") parses to Go's zero.
func parseDockerTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func lastLines(s string, n int) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
