package addons

import (
	"context"
	"fmt"
	"io"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// ImageEngine is what a configured service image needs of the Docker
// Engine (*client.Client): to find it, or pull it.
type ImageEngine interface {
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImagePull(ctx context.Context, ref string, options image.PullOptions) (io.ReadCloser, error)
}

// ImageVars are the settings that give a service's image instead of
// paas's own.
var ImageVars = map[string]string{"postgres": "PAAS_POSTGRES_IMAGE", "redis": "PAAS_REDIS_IMAGE"}

// image is the service's image: the one configured for it, pulled if the
// engine lacks it, else paas's own, made from Debian's packages on first
// use. Progress goes to out.
func (d *Docker) image(ctx context.Context, s Service, out io.Writer) (string, error) {
	ref := d.configured[s.Name]
	if ref == "" {
		return d.images.ServiceImage(ctx, s.Name, out)
	}
	eng, ok := d.api.(ImageEngine)
	if !ok {
		return "", fmt.Errorf("%s: this engine client cannot look up images", ImageVars[s.Name])
	}
	_, err := eng.ImageInspect(ctx, ref)
	if err == nil {
		return ref, nil
	}
	if !errdefs.IsNotFound(err) {
		return "", fmt.Errorf("%s is %s: look it up: %w", ImageVars[s.Name], ref, err)
	}
	fmt.Fprintf(out, "-----> Pulling %s (%s)\n", ref, ImageVars[s.Name])
	rc, err := eng.ImagePull(ctx, ref, image.PullOptions{})
	if err == nil {
		err = jsonmessage.DisplayJSONMessagesStream(rc, out, 0, false, nil)
		rc.Close()
	}
	if err != nil {
		return "", fmt.Errorf("%s is %s, which the Docker Engine does not have and could not pull: %w: pull or load it (docker pull %s), or unset %s to use paas's own image, made from Debian's packages",
			ImageVars[s.Name], ref, err, ref, ImageVars[s.Name])
	}
	return ref, nil
}
