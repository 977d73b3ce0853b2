package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// dockerfileName is the Dockerfile every app is built from, at the root of its
// repository.
const dockerfileName = "Dockerfile"

// BuildOptions name the built image and its Dockerfile.
type BuildOptions struct {
	Tag string
	// Dockerfile is the Dockerfile's path in the build context: "" is the
	// app's own, at the root.
	Dockerfile string
	// Memory caps each step's memory, swap included; 0 is no cap.
	Memory int64
}

// ImageBuildClient is the one Docker call the builder needs (*client.Client).
type ImageBuildClient interface {
	ImageBuild(ctx context.Context, buildContext io.Reader, options build.ImageBuildOptions) (build.ImageBuildResponse, error)
}

// imageInspector is used, when the client has it, to find the image ID of a
// build whose output carried none.
type imageInspector interface {
	ImageInspect(ctx context.Context, imageID string, inspectOpts ...client.ImageInspectOption) (image.InspectResponse, error)
}

// BuildError is a build that Docker ran and that failed, such as a RUN step
// exiting non-zero. Its text is Docker's message.
type BuildError struct {
	Code    int
	Message string
}

func (e *BuildError) Error() string { return e.Message }

// ImageBuilder builds images from a build context with Docker's classic
// builder, the only one Debian's engine offers.
type ImageBuilder struct {
	cli ImageBuildClient
}

// NewImageBuilder returns a builder using cli.
func NewImageBuilder(cli ImageBuildClient) *ImageBuilder {
	return &ImageBuilder{cli: cli}
}

// Build streams the build's text output to out as it happens and returns the
// image ID ("sha256:..."). A failed step returns a *BuildError carrying
// Docker's message.
func (b *ImageBuilder) Build(ctx context.Context, buildContext io.Reader, opts BuildOptions, out io.Writer) (string, error) {
	if opts.Tag == "" {
		return "", errors.New("build image: no tag given")
	}
	dockerfile := opts.Dockerfile
	if dockerfile == "" {
		dockerfile = dockerfileName
	}
	resp, err := b.cli.ImageBuild(ctx, buildContext, build.ImageBuildOptions{
		Tags:        []string{opts.Tag},
		Dockerfile:  dockerfile,
		Remove:      true,
		ForceRemove: true,
		PullParent:  false,
		Version:     build.BuilderV1,
		Memory:      opts.Memory,
		MemorySwap:  opts.Memory,
	})
	if err != nil {
		return "", fmt.Errorf("start image build: %w", err)
	}
	defer resp.Body.Close()
	steps := &stepImages{w: out}
	id, err := copyBuildOutput(resp.Body, steps)
	if err != nil {
		b.removeDangling(context.WithoutCancel(ctx), steps.last)
		return "", err
	}
	if id == "" {
		return b.inspectID(ctx, opts.Tag)
	}
	return id, nil
}

// stepImages passes a build's output on, noting the image each step made
// (" ---> 1a2b3c4d5e6f").
type stepImages struct {
	w    io.Writer
	last string
}

var stepImage = regexp.MustCompile(`(?m)^ ---> ([0-9a-f]{12})$`)

func (s *stepImages) Write(p []byte) (int, error) {
	if m := stepImage.FindAllSubmatch(p, -1); len(m) > 0 {
		s.last = string(m[len(m)-1][1])
	}
	return s.w.Write(p)
}

// imageRemover is used, when the client has it, to remove what a failed
// build leaves.
type imageRemover interface {
	imageInspector
	ImageRemove(ctx context.Context, imageID string, options image.RemoveOptions) ([]image.DeleteResponse, error)
}

// removeDangling removes the image of a failed build's last step that
// succeeded, and the untagged images under it, when nothing else holds
// them: no tag (a FROM image has one), no child image (a cache a build
// that went live still uses), no container. The classic builder keeps
// them as a cache, which would dangle until a push built the same steps.
func (b *ImageBuilder) removeDangling(ctx context.Context, id string) {
	rm, ok := b.cli.(imageRemover)
	if id == "" || !ok {
		return
	}
	img, err := rm.ImageInspect(ctx, id)
	if err != nil || len(img.RepoTags) > 0 {
		return
	}
	// Not forced: an image with children or containers is refused, and
	// kept.
	_, _ = rm.ImageRemove(ctx, img.ID, image.RemoveOptions{PruneChildren: true})
}

// buildMessage is one message of the JSON stream /build answers with.
type buildMessage struct {
	Stream      string `json:"stream"`
	Status      string `json:"status"`
	Error       string `json:"error"`
	ErrorDetail *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errorDetail"`
	Aux json.RawMessage `json:"aux"`
}

// copyBuildOutput writes the stream's text to out as it arrives and returns
// the image ID from the aux message, if one came.
func copyBuildOutput(body io.Reader, out io.Writer) (string, error) {
	var id string
	dec := json.NewDecoder(body)
	for {
		var m buildMessage
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return id, nil
		} else if err != nil {
			return "", fmt.Errorf("read build output: %w", err)
		}
		if m.ErrorDetail != nil || m.Error != "" {
			be := &BuildError{Message: m.Error}
			if m.ErrorDetail != nil {
				be.Code = m.ErrorDetail.Code
				if m.ErrorDetail.Message != "" {
					be.Message = m.ErrorDetail.Message
				}
			}
			return "", be
		}
		text := m.Stream
		if text == "" && m.Status != "" {
			text = m.Status + "\n"
		}
		if text != "" {
			if _, err := io.WriteString(out, text); err != nil {
				return "", fmt.Errorf("write build output: %w", err)
			}
		}
		if len(m.Aux) > 0 {
			var res build.Result
			if json.Unmarshal(m.Aux, &res) == nil && strings.HasPrefix(res.ID, "sha256:") {
				id = res.ID
			}
		}
	}
}

func (b *ImageBuilder) inspectID(ctx context.Context, tag string) (string, error) {
	insp, ok := b.cli.(imageInspector)
	if !ok {
		return "", fmt.Errorf("build image %s: docker sent no image ID", tag)
	}
	img, err := insp.ImageInspect(ctx, tag)
	if err != nil {
		return "", fmt.Errorf("inspect built image %s: %w", tag, err)
	}
	return img.ID, nil
}
