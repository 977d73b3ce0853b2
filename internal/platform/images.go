package platform

import (
	"context"
	"fmt"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/internal/releases"
)

// ImageAPI is the part of the Docker client that inspects and removes images.
type ImageAPI interface {
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageRemove(ctx context.Context, imageID string, opts image.RemoveOptions) ([]image.DeleteResponse, error)
	ImageTag(ctx context.Context, source, target string) error
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

// Remove drops the build's tag, if it still names the build's image; the
// engine then deletes the image once no other tag or container holds it. The
// image is removed by its ID only when no tag at all is left on it: by ID, the
// engine would also drop the last tag of another paasd (whose builds of the
// same content share the ID) or of another app. Never forced.
func (d DockerImages) Remove(ctx context.Context, tag, id string) error {
	if tag != "" {
		info, err := d.API.ImageInspect(ctx, tag)
		switch {
		case errdefs.IsNotFound(err):
		case err != nil:
			return fmt.Errorf("inspect image %s: %w", tag, err)
		case id == "" || info.ID == id: // else the tag moved to a newer build of the commit
			if err := d.remove(ctx, tag); err != nil {
				return err
			}
		}
	}
	if id == "" {
		return nil
	}
	info, err := d.API.ImageInspect(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspect image %s: %w", id, err)
	}
	if len(info.RepoTags) > 0 {
		return nil // someone else's tag keeps it
	}
	return d.remove(ctx, id)
}

func (d DockerImages) remove(ctx context.Context, ref string) error {
	_, err := d.API.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
	if err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	return nil
}

// Tag names ref also as tag: a deploy of an image the user built keeps it
// under paas's own tag, which paas may remove, and leaves the user's alone.
func (d DockerImages) Tag(ctx context.Context, ref, tag string) (string, error) {
	info, err := d.API.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return "", fmt.Errorf("image %s: %w: the engine has no such image; build or load it there first (docker build -t %s .)", ref, releases.ErrNotFound, ref)
	}
	if err != nil {
		return "", fmt.Errorf("inspect image %s: %w", ref, err)
	}
	if err := d.API.ImageTag(ctx, info.ID, tag); err != nil {
		return "", fmt.Errorf("tag image %s as %s: %w", ref, tag, err)
	}
	return info.ID, nil
}
