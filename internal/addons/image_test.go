package addons

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// fakeImages is an engine that has the images in have and pulls those in
// pullable; the rest of Engine is not called.
type fakeImages struct {
	Engine
	have     map[string]bool
	pullable map[string]bool
	pulled   []string
}

func (f *fakeImages) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	if f.have[ref] {
		return image.InspectResponse{ID: "sha256:" + ref}, nil
	}
	return image.InspectResponse{}, cerrdefs.ErrNotFound.WithMessage("no such image: " + ref)
}

func (f *fakeImages) ImagePull(_ context.Context, ref string, _ image.PullOptions) (io.ReadCloser, error) {
	f.pulled = append(f.pulled, ref)
	if !f.pullable[ref] {
		return nil, errors.New("pull access denied for " + ref)
	}
	f.have[ref] = true
	return io.NopCloser(strings.NewReader(`{"status":"Pulling from library/postgres","id":"16"}` + "\n" + `{"status":"Downloaded newer image for postgres:16"}` + "\n")), nil
}

type ownImages struct{ asked []string }

func (o *ownImages) ServiceImage(_ context.Context, service string, _ io.Writer) (string, error) {
	o.asked = append(o.asked, service)
	return "paas-stack/" + service + ":own", nil
}

func TestConfiguredImages(t *testing.T) {
	ctx := context.Background()
	eng := &fakeImages{have: map[string]bool{"mine/redis:7": true}, pullable: map[string]bool{"postgres:16": true}}
	own := &ownImages{}
	d := NewDocker(eng, own, "test", map[string]string{"postgres": "postgres:16", "redis": "mine/redis:7"})

	var out bytes.Buffer
	if ref, err := d.image(ctx, Services["redis"], &out); err != nil || ref != "mine/redis:7" || len(eng.pulled) != 0 {
		t.Errorf("an image the engine has: %q, %v, pulled %v", ref, err, eng.pulled)
	}
	if ref, err := d.image(ctx, Services["postgres"], &out); err != nil || ref != "postgres:16" || len(eng.pulled) != 1 {
		t.Errorf("an image to pull: %q, %v, pulled %v", ref, err, eng.pulled)
	}
	if !strings.Contains(out.String(), "Pulling postgres:16 (PAAS_POSTGRES_IMAGE)") || !strings.Contains(out.String(), "Downloaded newer image") {
		t.Errorf("progress:\n%s", out.String())
	}
	if len(own.asked) != 0 {
		t.Errorf("paas's own images were made: %v", own.asked)
	}

	d = NewDocker(eng, own, "test", map[string]string{"postgres": "nowhere/postgres:16"})
	_, err := d.image(ctx, Services["postgres"], io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PAAS_POSTGRES_IMAGE is nowhere/postgres:16") || !strings.Contains(err.Error(), "unset PAAS_POSTGRES_IMAGE") {
		t.Errorf("an image that cannot be pulled: %v", err)
	}
	if ref, err := d.image(ctx, Services["redis"], io.Discard); err != nil || ref != "paas-stack/redis:own" {
		t.Errorf("no image configured: %q, %v", ref, err)
	}
}
