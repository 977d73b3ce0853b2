package apiserver

import (
	"log/slog"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
)

// RouterFigures is what GET /apps/{app}/router-metrics reads: the router's
// recent figures by app (the metrics keep them).
type RouterFigures interface {
	RouterSeries(app string) api.RouterSeries
}

// RegisterRouterMetrics adds paas's own GET /apps/{app}/router-metrics to
// r: the app's requests, errors and latency over the last hour, a point per
// step, which the dashboard charts.
func RegisterRouterMetrics(r *mux.Router, f RouterFigures, apps AppFinder, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	srv := &server{log: logger}
	r.Handle("/apps/{app}/router-metrics", srv.byMethod(methods{http.MethodGet: srv.handle(
		func(_ http.ResponseWriter, r *http.Request) (reply, error) {
			a, err := apps.App(r.Context(), mux.Vars(r)["app"])
			if err != nil {
				return reply{}, err
			}
			return reply{status: http.StatusOK, body: f.RouterSeries(a.Name)}, nil
		})}))
}
