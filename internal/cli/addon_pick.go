package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/paas-dev/paas/api"
)

// postgresOf is the Postgres add-on the pg: commands act on: --addon's, or
// the app's only one, or the one it has as DATABASE_URL.
func postgresOf(ctx context.Context, g *globals, addon string) (app, name string, client *api.Client, err error) {
	return addonOf(ctx, g, "postgres", "Postgres", "DATABASE", addon)
}

// redisOf is the Redis add-on the redis: commands act on: --addon's, or
// the app's only one, or the one it has as REDIS_URL.
func redisOf(ctx context.Context, g *globals, addon string) (app, name string, client *api.Client, err error) {
	return addonOf(ctx, g, "redis", "Redis", "REDIS", addon)
}

// addonOf is the add-on of service a command acts on: addon if given, or
// the app's only one of the service, or the one the app has as
// <attachment>_URL.
func addonOf(ctx context.Context, g *globals, service, title, attachment, addon string) (app, name string, client *api.Client, err error) {
	if addon != "" {
		srv, err := loadServer()
		if err != nil {
			return "", "", nil, err
		}
		return "", addon, srv.client(), nil
	}
	if app, client, err = g.appClient(ctx); err != nil {
		return "", "", nil, err
	}
	as, err := client.Addons(ctx, app)
	if err != nil {
		return "", "", nil, withHint(err, api.IDNotFound, hintListApps)
	}
	var found []string
	for _, a := range as {
		if a.AddonService.Name != service {
			continue
		}
		found = append(found, a.Name)
		for _, at := range a.Attachments {
			if at.Name == attachment && at.App.Name == app {
				return app, a.Name, client, nil
			}
		}
	}
	switch len(found) {
	case 0:
		return "", "", nil, fmt.Errorf("%s has no %s add-on: create one with paasctl addons:create %s -a %s", app, title, service, app)
	case 1:
		return app, found[0], client, nil
	}
	return "", "", nil, fmt.Errorf("%s has %d %s add-ons (%s): say which with --addon", app, len(found), title, strings.Join(found, ", "))
}
