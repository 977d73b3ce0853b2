package platform

import (
	"context"
	"fmt"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// ImageAPI is the part of the Docker client that inspects and removes images.
type ImageAPI interface {
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageRemove(ctx context.Context, imageID string, opts image.RemoveOptions) ([]image.DeleteResponse, error)
}

// DockerImages is Images on the Docker Engine.
type DockerImages struct{ API ImageAPI }

// Exists reports whether the engine still has the image.
func (d DockerImages) Exists(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	_, err := d.API.ImageInspect(ctx, id)
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspect image %s: %w", id, err)
	}
	return true, nil
}

// Remove drops the build's tag, then the image if nothing else holds it.
// Never forced: one commit built for two apps (staging and production) is
// one image, and the other app's tag or container must keep it alive.
func (d DockerImages) Remove(ctx context.Context, tag, id string) error {
	for _, ref := range []string{tag, id} {
		if ref == "" {
			continue
		}
		_, err := d.API.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
		if err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
			return fmt.Errorf("remove image %s: %w", ref, err)
		}
	}
	return nil
}
