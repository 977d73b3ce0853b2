package runner

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// spreadImage makes sure every node that may run tasks has the image ref,
// which the manager's engine built: with no registry, each node's engine is
// given a copy (save on the manager, load on the node), and the services
// name it by ID, so that no node tries to pull it. It returns the ID. A
// ready, active node whose engine paasd does not have is an error that
// says what to do: its tasks could not start. A node whose engine does not
// answer is reported to out and left out.
func (s *Swarm) spreadImage(ctx context.Context, ref string, out io.Writer) (string, error) {
	img, err := s.api.ImageInspect(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("find the release's image %s on the manager's engine: %w", ref, err)
	}
	self, err := s.self(ctx)
	if err != nil {
		return "", err
	}
	nodes, err := s.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return "", fmt.Errorf("list the swarm's nodes: %w", err)
	}
	engines := s.engines(ctx)
	var targets []swarm.Node
	for _, n := range nodes {
		if n.ID == self || n.Status.State != swarm.NodeStateReady || n.Spec.Availability != swarm.NodeAvailabilityActive {
			continue
		}
		if _, ok := engines[n.ID]; !ok {
			return "", fmt.Errorf("copy the image to node %s (%s): paasd does not reach its engine; add it to PAAS_SWARM_NODES, or drain the node (docker node update --availability drain %s)",
				n.Description.Hostname, n.Status.Addr, n.Description.Hostname)
		}
		targets = append(targets, n)
	}
	// To every node at once, each within bounds of its own: a stalled
	// engine must not hold the app's deploys for long.
	var wg sync.WaitGroup
	var outMu sync.Mutex
	for _, n := range targets {
		wg.Go(func() {
			copied, err := s.copyTo(ctx, engines[n.ID], img.ID)
			outMu.Lock()
			defer outMu.Unlock()
			switch {
			case err != nil:
				// A node being lost: the swarm starts no task where its
				// image is missing, but on the other nodes.
				step(out, "The image could not be copied to %s (%s), whose processes start on the other nodes: %v", n.Description.Hostname, n.Status.Addr, err)
				s.log.Warn("copy an image to a swarm node", "node", n.Description.Hostname, "addr", n.Status.Addr, "err", err)
			case copied:
				step(out, "Copied the image to %s", n.Description.Hostname)
			}
		})
	}
	wg.Wait()
	return img.ID, nil
}

// self is the node ID of the manager paasd talks to.
func (s *Swarm) self(ctx context.Context) (string, error) {
	s.mu.Lock()
	id := s.selfID
	s.mu.Unlock()
	if id != "" {
		return id, nil
	}
	info, err := s.api.Info(ctx)
	if err != nil {
		return "", fmt.Errorf("ask the engine which swarm node it is: %w", err)
	}
	if info.Swarm.NodeID == "" || !info.Swarm.ControlAvailable {
		return "", fmt.Errorf("PAAS_BACKEND=swarm needs paasd on a swarm manager's engine (DOCKER_HOST); this engine is %s", orNone(string(info.Swarm.LocalNodeState)))
	}
	s.mu.Lock()
	s.selfID = info.Swarm.NodeID
	s.mu.Unlock()
	return info.Swarm.NodeID, nil
}

func orNone(s string) string {
	if s == "" || s == "inactive" {
		return "in no swarm"
	}
	return "a swarm node in state " + s + ", not a manager"
}

// Bounds of one node's copy: asking whether it has the image, and the copy.
const (
	imageCheckTimeout = 10 * time.Second
	imageCopyTimeout  = 10 * time.Minute
)

// copyTo gives the engine the image id unless it has it, and says whether
// it did.
func (s *Swarm) copyTo(ctx context.Context, e NodeEngine, id string) (bool, error) {
	check, cancel := context.WithTimeout(ctx, imageCheckTimeout)
	_, err := e.ImageInspect(check, id)
	cancel()
	if err == nil {
		return false, nil
	}
	if !isNotFound(err) {
		return false, err
	}
	ctx, cancel = context.WithTimeout(ctx, imageCopyTimeout)
	defer cancel()
	rc, err := s.api.ImageSave(ctx, []string{id})
	if err != nil {
		return false, fmt.Errorf("save: %w", err)
	}
	defer rc.Close()
	resp, err := e.ImageLoad(ctx, rc, client.ImageLoadWithQuiet(true))
	if err != nil {
		return false, fmt.Errorf("load: %w", err)
	}
	defer resp.Body.Close()
	// The engine answers 200 and tells of a failed load in its stream.
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		return false, fmt.Errorf("load: %w", err)
	}
	return true, nil
}

// hasShell says whether the image has /bin/sh, which the web processes'
// health check runs with: the file is looked for in a container created
// from the image and never started.
func (s *Swarm) hasShell(ctx context.Context, img string) (bool, error) {
	s.mu.Lock()
	has, known := s.shells[img]
	s.mu.Unlock()
	if known {
		return has, nil
	}
	// An entrypoint of its own: an image may have no command at all.
	c, err := s.api.ContainerCreate(ctx, &container.Config{Image: img, Entrypoint: []string{"/bin/sh"}, Labels: map[string]string{LabelDaemon: s.opts.DaemonID}}, nil, nil, nil, "")
	if err != nil {
		return false, fmt.Errorf("look into the image %s: %w", shortID(img), err)
	}
	defer func() {
		if err := s.api.ContainerRemove(context.WithoutCancel(ctx), c.ID, container.RemoveOptions{Force: true}); err != nil {
			s.log.Warn("remove a container made to look into an image", "container", shortID(c.ID), "err", err)
		}
	}()
	_, err = s.api.ContainerStatPath(ctx, c.ID, "/bin/sh")
	if err != nil && !isNotFound(err) {
		return false, fmt.Errorf("look for /bin/sh in the image %s: %w", shortID(img), err)
	}
	s.mu.Lock()
	s.shells[img] = err == nil
	s.mu.Unlock()
	return err == nil, nil
}
