package apiserver

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
)

// NodeLister is what GET /nodes reads: the machines paasd's engine runs
// processes on.
type NodeLister interface {
	Nodes(ctx context.Context) ([]api.Node, error)
}

// RegisterNodes adds paas's own GET /nodes to r.
func RegisterNodes(r *mux.Router, nodes NodeLister, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	srv := &server{log: logger}
	r.Handle(api.NodesPath, srv.byMethod(methods{http.MethodGet: srv.handle(
		func(_ http.ResponseWriter, r *http.Request) (reply, error) {
			list, err := nodes.Nodes(r.Context())
			if err != nil {
				return reply{}, err
			}
			if list == nil {
				list = []api.Node{}
			}
			return reply{status: http.StatusOK, body: list}, nil
		})}))
}
