package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Releases lists the app's releases, newest first.
func (c *Client) Releases(ctx context.Context, app string) ([]Release, error) {
	var rels []Release
	if err := c.do(ctx, http.MethodGet, ReleasesPath(app), nil, &rels); err != nil {
		return nil, err
	}
	return rels, nil
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
	var rel Release
	err := c.doWithin(ctx, c.changeTimeout, http.MethodPost, ReleasesPath(app), RollbackRequest{Version: version}, &rel)
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
