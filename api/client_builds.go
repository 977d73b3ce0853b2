package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Dockerfile is how the app's deployed commit is built: the Dockerfile paas
// generates for it, or the app's own.
func (c *Client) Dockerfile(ctx context.Context, app string) (GeneratedDockerfile, error) {
	var df GeneratedDockerfile
	err := c.do(ctx, http.MethodGet, DockerfilePath(app), nil, &df)
	return df, err
}

// Builds lists the app's builds, oldest first.
func (c *Client) Builds(ctx context.Context, app string) ([]Build, error) {
	return listAll[Build](ctx, c, AppPath(app)+"/builds", "created_at ..; max=1000")
}

// Build is one of the app's builds, by its id.
func (c *Client) Build(ctx context.Context, app, id string) (Build, error) {
	var b Build
	err := c.do(ctx, http.MethodGet, AppPath(app)+"/builds/"+url.PathEscape(id), nil, &b)
	return b, err
}

// DeployImage releases an image the engine has, without a build; the
// build it answers with is pending, its output at BuildOutput.
func (c *Client) DeployImage(ctx context.Context, app, image string) (Build, error) {
	var b Build
	err := c.do(ctx, http.MethodPost, AppPath(app)+"/builds", BuildRequest{Image: image}, &b)
	return b, err
}

// CancelBuild cancels a pending or building build; id "latest" is the
// newest such.
func (c *Client) CancelBuild(ctx context.Context, app, id string) (Build, error) {
	var b Build
	err := c.do(ctx, http.MethodPost, BuildCancelPath(app, id), nil, &b)
	return b, err
}

// BuildOutput copies a build's output (id "latest" for the newest) into w,
// following a build still running to its end, without a time limit once
// the answer has started.
func (c *Client) BuildOutput(ctx context.Context, app, id string, w io.Writer) error {
	if err := c.stream(ctx, BuildOutputURLPath(app, id), w); err != nil {
		return fmt.Errorf("read the build's output: %w", err)
	}
	return nil
}
