package platform

import (
	"context"
	"fmt"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
)

// ImageRemover is the part of the Docker client that removes images.
type ImageRemover interface {
	ImageRemove(ctx context.Context, imageID string, opts image.RemoveOptions) ([]image.DeleteResponse, error)
}

// DockerImages removes images from the Docker Engine.
type DockerImages struct{ API ImageRemover }

// RemoveImages removes the images with the given IDs; one already gone is
// not an error.
func (d DockerImages) RemoveImages(ctx context.Context, ids []string) error {
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		_, err := d.API.ImageRemove(ctx, id, image.RemoveOptions{Force: true, PruneChildren: true})
		if err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("remove image %s: %w", id, err)
		}
	}
	return nil
}
