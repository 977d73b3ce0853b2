package addons

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/paas-dev/paas/internal/releases"
	"github.com/paas-dev/paas/internal/runner"
)

// Labels on what an add-on is made of, beside the runner's paas.daemon.
const (
	LabelAddon   = "paas.addon"   // its name
	LabelService = "paas.service" // "postgres"
	labelDaemon  = runner.LabelDaemon
)

// readyTimeout bounds a new service's start: a first Postgres start makes
// its cluster.
const readyTimeout = 2 * time.Minute

// Engine is what add-ons need of the Docker Engine (*client.Client).
type Engine interface {
	VolumeCreate(ctx context.Context, options volume.CreateOptions) (volume.Volume, error)
	VolumeRemove(ctx context.Context, volumeID string, force bool) error
	NetworkCreate(ctx context.Context, name string, options network.CreateOptions) (network.CreateResponse, error)
	NetworkConnect(ctx context.Context, networkID, containerID string, config *network.EndpointSettings) error
	NetworkDisconnect(ctx context.Context, networkID, containerID string, force bool) error
	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *v1.Platform, containerName string) (container.CreateResponse, error)
	ContainerStart(ctx context.Context, containerID string, options container.StartOptions) error
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
	ContainerInspect(ctx context.Context, containerID string) (container.InspectResponse, error)
	ContainerExecCreate(ctx context.Context, containerID string, options container.ExecOptions) (container.ExecCreateResponse, error)
	ContainerExecStart(ctx context.Context, execID string, config container.ExecStartOptions) error
	ContainerExecInspect(ctx context.Context, execID string) (container.ExecInspect, error)
}

// Images makes the services' images (builder.Stacks).
type Images interface {
	ServiceImage(ctx context.Context, service string, out io.Writer) (string, error)
}

// Docker runs add-ons on the Docker Engine.
type Docker struct {
	api        Engine
	images     Images
	daemonID   string
	configured map[string]string // service -> image, instead of paas's own
	// Overlay makes the app networks it creates overlays of the swarm the
	// engine manages (PAAS_BACKEND=swarm), which its containers join as
	// they join a bridge; see runner.NetworkCreateOptions.
	Overlay bool
}

// NewDocker runs add-ons on api, named and labelled for the paasd
// daemonID. A service's image is configured's for it (PAAS_POSTGRES_IMAGE,
// PAAS_REDIS_IMAGE), pulled if need be, else made by images.
func NewDocker(api Engine, images Images, daemonID string, configured map[string]string) *Docker {
	return &Docker{api: api, images: images, daemonID: daemonID, configured: configured}
}

// Container names a's service container.
func (d *Docker) Container(a releases.Addon) string { return d.name(a) }

// name is the container's and the volume's.
func (d *Docker) name(a releases.Addon) string {
	return "paas-" + d.daemonID + "-addon-" + a.Name
}

func (d *Docker) labels(a releases.Addon) map[string]string {
	return map[string]string{labelDaemon: d.daemonID, LabelAddon: a.Name, LabelService: a.Service}
}

// network is app's processes' network.
func (d *Docker) network(app string) string { return runner.NetworkName(d.daemonID, app) }

// Provision starts a's service on its volume, reachable on the network of
// app (its owner) as a.Name, and returns once it accepts connections. Progress,
// such as the making of its image, goes to out. On error nothing of it is
// left but its volume, if the volume was there before.
func (d *Docker) Provision(ctx context.Context, a releases.Addon, app string, out io.Writer) (err error) {
	s, ok := Services[a.Service]
	if !ok {
		return fmt.Errorf("provision add-on %s: no service %q", a.Name, a.Service)
	}
	img, err := d.image(ctx, s, out)
	if err != nil {
		return fmt.Errorf("provision add-on %s: %w", a.Name, err)
	}
	if _, err := d.api.VolumeCreate(ctx, volume.CreateOptions{Name: d.name(a), Labels: d.labels(a)}); err != nil {
		return fmt.Errorf("provision add-on %s: create volume: %w", a.Name, err)
	}
	defer func() {
		if err != nil {
			_ = d.Destroy(context.WithoutCancel(ctx), a)
		}
	}()
	net := d.network(app)
	if err := d.ensureNetwork(ctx, net, app); err != nil {
		return err
	}
	init := true
	host := &container.HostConfig{
		Init:          &init,
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
		Mounts:        []mount.Mount{{Type: mount.TypeVolume, Source: d.name(a), Target: s.DataDir}},
		NetworkMode:   container.NetworkMode(net),
		Resources:     container.Resources{Memory: s.Memory, MemorySwap: s.Memory},
	}
	nets := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{net: {Aliases: []string{a.Name}}}}
	cfg := &container.Config{Image: img, Env: env(a), Labels: d.labels(a)}
	if d.configured[s.Name] != "" {
		cfg.Cmd = s.ConfiguredCmd
	}
	c, err := d.api.ContainerCreate(ctx, cfg, host, nets, nil, d.name(a))
	if err != nil {
		return fmt.Errorf("provision add-on %s: create container: %w", a.Name, err)
	}
	if err := d.api.ContainerStart(ctx, c.ID, container.StartOptions{}); err != nil {
		return fmt.Errorf("provision add-on %s: start: %w", a.Name, err)
	}
	fmt.Fprintf(out, "Started %s from %s: waiting until it accepts connections\n", a.Name, img)
	if err := d.waitReady(ctx, a, s); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s accepts connections\n", a.Name)
	return nil
}

// waitReady runs the service's readiness check until it passes.
func (d *Docker) waitReady(ctx context.Context, a releases.Addon, s Service) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		ok, err := d.exec(ctx, d.name(a), s.Ready)
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = errors.New("it did not accept connections")
			}
			return fmt.Errorf("provision add-on %s: not ready within %s: %w (docker logs %s tells why)", a.Name, readyTimeout, err, d.name(a))
		case <-time.After(250 * time.Millisecond): // a poll of the service, not synchronisation
		}
	}
}

// exec runs cmd in the container and says whether it exited 0.
func (d *Docker) exec(ctx context.Context, id string, cmd []string) (bool, error) {
	ex, err := d.api.ContainerExecCreate(ctx, id, container.ExecOptions{Cmd: cmd})
	if err != nil {
		return false, fmt.Errorf("exec: %w", err)
	}
	if err := d.api.ContainerExecStart(ctx, ex.ID, container.ExecStartOptions{Detach: true}); err != nil {
		return false, fmt.Errorf("exec: %w", err)
	}
	for {
		in, err := d.api.ContainerExecInspect(ctx, ex.ID)
		if err != nil {
			return false, fmt.Errorf("exec: %w", err)
		}
		if !in.Running {
			return in.ExitCode == 0, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// ensureNetwork makes the app network net, labelled as the runner labels
// it, unless it exists: an add-on may come before the app's first process.
func (d *Docker) ensureNetwork(ctx context.Context, net, app string) error {
	_, err := d.api.NetworkCreate(ctx, net, runner.NetworkCreateOptions(d.daemonID, app, d.Overlay))
	if err != nil && !errdefs.IsConflict(err) {
		return fmt.Errorf("create network %s: %w", net, err)
	}
	return nil
}

// Attach puts a on app's network, under its name.
func (d *Docker) Attach(ctx context.Context, a releases.Addon, app string) error {
	net := d.network(app)
	if err := d.ensureNetwork(ctx, net, app); err != nil {
		return err
	}
	err := d.api.NetworkConnect(ctx, net, d.name(a), &network.EndpointSettings{Aliases: []string{a.Name}})
	if err != nil && !errdefs.IsConflict(err) && !errdefs.IsAlreadyExists(err) {
		return fmt.Errorf("attach add-on %s to %s: %w", a.Name, net, err)
	}
	return nil
}

// Detach takes a off app's network.
func (d *Docker) Detach(ctx context.Context, a releases.Addon, app string) error {
	net := d.network(app)
	err := d.api.NetworkDisconnect(ctx, net, d.name(a), true)
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("detach add-on %s from %s: %w", a.Name, net, err)
	}
	return nil
}

// State is the engine's word for a's service container: running,
// restarting, exited..., or missing when there is none.
func (d *Docker) State(ctx context.Context, a releases.Addon) (string, error) {
	c, err := d.api.ContainerInspect(ctx, d.name(a))
	if errdefs.IsNotFound(err) {
		return "missing", nil
	}
	if err != nil {
		return "", fmt.Errorf("inspect add-on %s: %w", a.Name, err)
	}
	if c.ContainerJSONBase == nil || c.State == nil {
		return "unknown", nil
	}
	return string(c.State.Status), nil
}

// Destroy removes a's container and then its volume, with its data.
func (d *Docker) Destroy(ctx context.Context, a releases.Addon) error {
	err := d.api.ContainerRemove(ctx, d.name(a), container.RemoveOptions{Force: true})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("destroy add-on %s: remove container: %w", a.Name, err)
	}
	if err := d.api.VolumeRemove(ctx, d.name(a), true); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("destroy add-on %s: remove volume: %w", a.Name, err)
	}
	return nil
}
