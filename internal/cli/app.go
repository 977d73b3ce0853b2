package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"

	"github.com/paas-dev/paas/api"
)

var errNoApp = errors.New("no app specified: use -a NAME, or run inside a git repo with a 'paas' remote (paasctl git:remote -a NAME)")

// gitPathApp matches the path of an app's git URL, /git/<app>.git.
var gitPathApp = regexp.MustCompile(`/git/([^/]+)\.git/?$`)

// appName is the app a command acts on: -a, else the app of the current
// repo's "paas" remote.
func (g *globals) appName(ctx context.Context) (string, error) {
	if g.app != "" {
		return g.app, nil
	}
	remote, err := git(ctx, "remote", "get-url", remoteName)
	if errors.Is(err, errGitNotFound) {
		return "", fmt.Errorf("%w (%w)", errNoApp, err)
	}
	if err != nil {
		// Not a repo, or no such remote: both mean no app was named.
		return "", errNoApp
	}
	app, ok := appFromGitURL(remote)
	if !ok {
		return "", fmt.Errorf("the git remote %q is %s, which is not a paas app URL (…/git/NAME.git): use -a NAME, or fix the remote with paasctl git:remote -a NAME", remoteName, redact(remote))
	}
	return app, nil
}

// appClient returns the app the command is for and a client of the paasd that
// serves it: what nearly every command starts with.
func (g *globals) appClient(ctx context.Context) (string, *api.Client, error) {
	name, err := g.appName(ctx)
	if err != nil {
		return "", nil, err
	}
	srv, err := loadServer()
	if err != nil {
		return "", nil, err
	}
	return name, srv.client(), nil
}

func appFromGitURL(remote string) (string, bool) {
	u, err := url.Parse(remote)
	if err != nil {
		return "", false
	}
	m := gitPathApp.FindStringSubmatch(u.Path)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// redact hides a password someone put into a remote URL by hand.
func redact(remote string) string {
	u, err := url.Parse(remote)
	if err != nil {
		return remote
	}
	return u.Redacted()
}
