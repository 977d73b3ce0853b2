package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
)

type fakeNodes struct {
	nodes []api.Node
	err   error
}

func (f fakeNodes) Nodes(context.Context) ([]api.Node, error) { return f.nodes, f.err }

// startNodesDaemon serves the API with GET /nodes, as paasd registers it.
func startNodesDaemon(t *testing.T, nodes apiserver.NodeLister) {
	t.Helper()
	isolate(t)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := mux.NewRouter()
	apiserver.Register(r, apiservertest.NewPlatform(), logger)
	apiserver.RegisterNodes(r, nodes, logger)
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	t.Cleanup(srv.Close)
	t.Setenv(envURL, srv.URL)
	t.Setenv(envToken, testToken)
}

func TestNodes(t *testing.T) {
	swarm := []api.Node{
		{ID: "m1d2e3f4a5b6c7d8", Hostname: "node1", Addr: "10.0.0.2", Role: "manager", Leader: true, State: "ready", Availability: "active", Engine: "20.10.24"},
		{ID: "w1", Hostname: "node2", Addr: "10.0.0.3", Role: "worker", State: "down", Availability: "active", Engine: "20.10.24",
			EngineHost: "tcp://10.0.0.3:2376"},
		{Role: "unknown", State: "unknown", EngineHost: "unix:///run/n3.sock", EngineReachable: true},
	}
	startNodesDaemon(t, fakeNodes{nodes: swarm})
	out := paasctl(t, "", "nodes").mustSucceed(t)
	for _, want := range []string{"HOSTNAME", "node1", "10.0.0.2", "manager (leader)", "m1d2e3f4a5b6", "node2", "worker", "down",
		"UNREACHABLE at tcp://10.0.0.3:2376", "unknown", "reachable"} {
		if !strings.Contains(out, want) {
			t.Errorf("paasctl nodes lacks %q:\n%s", want, out)
		}
	}
	var got []api.Node
	if err := json.Unmarshal([]byte(paasctl(t, "", "nodes", "--json").mustSucceed(t)), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, swarm) {
		t.Errorf("nodes --json = %+v, want %+v", got, swarm)
	}
}

func TestNodesOfALoneEngine(t *testing.T) {
	startNodesDaemon(t, fakeNodes{nodes: []api.Node{{ID: "abc", Hostname: "box", Role: "engine", State: "ready", Availability: "active"}}})
	out := paasctl(t, "", "nodes").mustSucceed(t)
	if !strings.Contains(out, "box") || !strings.Contains(out, "engine") {
		t.Errorf("paasctl nodes:\n%s", out)
	}
}

func TestNodesWhenTheEngineFails(t *testing.T) {
	startNodesDaemon(t, fakeNodes{err: errors.New("list the swarm's nodes: paasd's engine is a swarm worker; give paasd a manager's engine (DOCKER_HOST)")})
	paasctl(t, "", "nodes").mustFail(t, "list nodes", "swarm worker")
}
