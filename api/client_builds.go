package api

import (
	"context"
	"net/http"
)

// Dockerfile is how the app's deployed commit is built: the Dockerfile paas
// generates for it, or the app's own.
func (c *Client) Dockerfile(ctx context.Context, app string) (GeneratedDockerfile, error) {
	var df GeneratedDockerfile
	err := c.do(ctx, http.MethodGet, DockerfilePath(app), nil, &df)
	return df, err
}
