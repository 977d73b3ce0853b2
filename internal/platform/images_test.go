package platform

import (
	"context"
	"slices"
	"testing"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// fakeImageAPI is an engine's images: ID -> tags.
type fakeImageAPI struct {
	tags    map[string][]string
	removed []string
}

func (f *fakeImageAPI) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	for id, tags := range f.tags {
		if id == ref || slices.Contains(tags, ref) {
			return image.InspectResponse{ID: id, RepoTags: slices.Clone(tags)}, nil
		}
	}
	return image.InspectResponse{}, errdefs.ErrNotFound
}

func (f *fakeImageAPI) ImageTag(_ context.Context, source, target string) error {
	if _, ok := f.tags[source]; !ok {
		return errdefs.ErrNotFound
	}
	f.tags[source] = append(f.tags[source], target)
	return nil
}

func (f *fakeImageAPI) ImageRemove(_ context.Context, ref string, _ image.RemoveOptions) ([]image.DeleteResponse, error) {
	f.removed = append(f.removed, ref)
	for id, tags := range f.tags {
		if i := slices.Index(tags, ref); i >= 0 {
			f.tags[id] = slices.Delete(tags, i, i+1)
			if len(f.tags[id]) == 0 {
				delete(f.tags, id)
			}
			return nil, nil
		}
	}
	if _, ok := f.tags[ref]; ok {
		delete(f.tags, ref) // by ID: the engine drops every tag with it
		return nil, nil
	}
	return nil, errdefs.ErrNotFound
}

func TestDockerImagesRemove(t *testing.T) {
	ctx := context.Background()
	t.Run("another daemon's tag keeps the image", func(t *testing.T) {
		api := &fakeImageAPI{tags: map[string][]string{"sha256:x": {"paas-a/hello:c", "paas-b/hello:c"}}}
		if err := (DockerImages{API: api}).Remove(ctx, "paas-b/hello:c", "sha256:x"); err != nil {
			t.Fatal(err)
		}
		if got := api.tags["sha256:x"]; !slices.Equal(got, []string{"paas-a/hello:c"}) {
			t.Errorf("tags left = %v (removed %v), want daemon a's", got, api.removed)
		}
	})
	t.Run("a tag moved to a newer build stays", func(t *testing.T) {
		api := &fakeImageAPI{tags: map[string][]string{"sha256:new": {"paas-a/hello:c"}, "sha256:old": {}}}
		if err := (DockerImages{API: api}).Remove(ctx, "paas-a/hello:c", "sha256:old"); err != nil {
			t.Fatal(err)
		}
		if _, ok := api.tags["sha256:new"]; !ok {
			t.Errorf("the newer build's image lost its tag (removed %v)", api.removed)
		}
		if _, ok := api.tags["sha256:old"]; ok {
			t.Errorf("the untagged old image was kept (removed %v)", api.removed)
		}
	})
	t.Run("own last tag takes the image", func(t *testing.T) {
		api := &fakeImageAPI{tags: map[string][]string{"sha256:x": {"paas-a/hello:c"}}}
		if err := (DockerImages{API: api}).Remove(ctx, "paas-a/hello:c", "sha256:x"); err != nil {
			t.Fatal(err)
		}
		if len(api.tags) != 0 {
			t.Errorf("images left = %v, want none", api.tags)
		}
	})
}
