package apiserver

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/auth"
)

type fakeFigures map[string]api.RouterSeries

func (f fakeFigures) RouterSeries(app string) api.RouterSeries { return f[app] }

// GET /apps/{app}/router-metrics: by name or id, 404 for no such app.
func TestRouterMetrics(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := mux.NewRouter()
	p := apiservertest.NewPlatform("hello")
	Register(r, p, logger)
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	RegisterRouterMetrics(r, fakeFigures{"hello": {StepSeconds: 10, Points: []api.RouterPoint{{Time: at, Requests: 7, Errors: 1, LatencyP95Ms: 50}}}}, p, logger)
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	defer srv.Close()
	c := api.NewClient(srv.URL, testToken)
	ctx := context.Background()

	got, err := c.RouterMetrics(ctx, "hello")
	if err != nil || got.StepSeconds != 10 || len(got.Points) != 1 || got.Points[0].Requests != 7 || !got.Points[0].Time.Equal(at) {
		t.Errorf("RouterMetrics(hello) = %+v, %v", got, err)
	}
	app, err := c.App(ctx, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.RouterMetrics(ctx, app.ID); err != nil || len(got.Points) != 1 {
		t.Errorf("RouterMetrics(by id) = %+v, %v", got, err)
	}
	if _, err := c.RouterMetrics(ctx, "nope"); !api.IsNotFound(err) {
		t.Errorf("RouterMetrics(nope) = %v, want not found", err)
	}
}
