package platform

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
)

// ImageAPI is the part of the Docker client that finds and removes images.
type ImageAPI interface {
	ImageList(ctx context.Context, opts image.ListOptions) ([]image.Summary, error)
	ImageRemove(ctx context.Context, imageID string, opts image.RemoveOptions) ([]image.DeleteResponse, error)
}

// DockerImages removes images by the labels the platform put on them.
type DockerImages struct {
	API      ImageAPI
	DaemonID string
}

// RemoveAppImages removes every image this daemon built for app.
func (d DockerImages) RemoveAppImages(ctx context.Context, app string) error {
	f := filters.NewArgs(filters.Arg("label", LabelApp+"="+app), filters.Arg("label", LabelDaemon+"="+d.DaemonID))
	list, err := d.API.ImageList(ctx, image.ListOptions{Filters: f})
	if err != nil {
		return fmt.Errorf("list images: %w", err)
	}
	for _, img := range list {
		if _, err := d.API.ImageRemove(ctx, img.ID, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil {
			return fmt.Errorf("remove image %s: %w", img.ID, err)
		}
	}
	return nil
}
