package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Releases lists the app's releases, newest first, all of them.
func (c *Client) Releases(ctx context.Context, app string) ([]Release, error) {
	return listAll[Release](ctx, c, ReleasesPath(app), "version ..; order=desc, max=1000")
}

// Release describes one release of the app.
func (c *Client) Release(ctx context.Context, app string, version int) (Release, error) {
	var rel Release
	err := c.do(ctx, http.MethodGet, ReleasePath(app, version), nil, &rel)
	return rel, err
}

// Rollback appends a release with the build and config of version (0: the
// release before the current one) and returns it once it is live.
func (c *Client) Rollback(ctx context.Context, app string, version int) (Release, error) {
	req := RollbackRequest{}
	if version > 0 {
		req.Release = strconv.Itoa(version)
	}
	var rel Release
	err := c.doWithin(ctx, c.changeTimeout, http.MethodPost, ReleasesPath(app), req, &rel)
	return rel, err
}

// VerifyReleases checks the app's release digest chain. A broken chain is a
// Verification with OK false, not an error.
func (c *Client) VerifyReleases(ctx context.Context, app string) (Verification, error) {
	var v Verification
	err := c.do(ctx, http.MethodGet, ReleasesPath(app)+"/verify", nil, &v)
	return v, err
}

// DiffReleases says what changed from release from to release to.
func (c *Client) DiffReleases(ctx context.Context, app string, from, to int) (ReleaseDiff, error) {
	q := url.Values{"from": {strconv.Itoa(from)}, "to": {strconv.Itoa(to)}}
	var d ReleaseDiff
	err := c.do(ctx, http.MethodGet, ReleasesPath(app)+"/diff?"+q.Encode(), nil, &d)
	return d, err
}
