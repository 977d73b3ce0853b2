package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
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
	path := BuildOutputURLPath(app, id)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	limit := time.AfterFunc(c.timeout, cancel)
	defer limit.Stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+path, nil)
	if err != nil {
		return fmt.Errorf("build GET %s request: %w", path, err)
	}
	c.setHeaders(req, false)
	resp, err := c.http.Do(req)
	if err != nil {
		if parent.Err() == nil && ctx.Err() != nil {
			return fmt.Errorf("GET %s: no answer within %s: %w", path, c.timeout, err)
		}
		return fmt.Errorf("reach the API: %w", err)
	}
	defer resp.Body.Close()
	limit.Stop()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return readError(resp)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("read the build's output: %w", err)
	}
	return nil
}
