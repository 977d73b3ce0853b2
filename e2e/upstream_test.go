package e2e

import (
	"context"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/paas-dev/paas/internal/dockertest"
)

// assertUnpublished checks that app's web processes publish no port: the
// router reaches them at their address on the app's network.
func assertUnpublished(t *testing.T, cli *client.Client, app string) {
	t.Helper()
	ctx := context.Background()
	list, err := cli.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(filters.Arg("label", "paas.app="+app), filters.Arg("label", "paas.type=web"))})
	if err != nil || len(list) == 0 {
		t.Fatalf("list %s's web containers: %d, %v", app, len(list), err)
	}
	for _, c := range list {
		for _, p := range c.Ports {
			if p.PublicPort != 0 {
				t.Errorf("container %s publishes %s:%d", c.Names, p.IP, p.PublicPort)
			}
		}
	}
}

// With PAAS_ROUTER_UPSTREAM=published, for an engine whose containers
// paasd cannot reach, web processes publish their port on 127.0.0.1 and the
// router goes through it.
func TestRouterUpstreamPublished(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{env: []string{"PAAS_ROUTER_UPSTREAM=published"}})
	app := headersApp(t, d, base, "through the published port\n")
	if code, body, err := d.get(app, "/"); err != nil || code != 200 || body != "through the published port\n" {
		t.Fatalf("GET / through the router: %d %q %v", code, body, err)
	}
	list, err := cli.ContainerList(context.Background(), container.ListOptions{Filters: filters.NewArgs(filters.Arg("label", "paas.app="+app), filters.Arg("label", "paas.type=web"))})
	if err != nil || len(list) != 1 {
		t.Fatalf("list %s's web containers: %d, %v", app, len(list), err)
	}
	published := false
	for _, p := range list[0].Ports {
		published = published || (p.PublicPort != 0 && p.IP == "127.0.0.1")
	}
	if !published {
		t.Errorf("web.1 publishes no port on 127.0.0.1: %+v", list[0].Ports)
	}
}
