package apiserver

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/auth"
)

const testToken = "test-token-0123456789"

// newTestServer serves Register's routes behind the daemon's token check and
// returns a Client for them.
func newTestServer(t *testing.T, p Platform) (*api.Client, *httptest.Server) {
	t.Helper()
	r := mux.NewRouter()
	Register(r, p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(auth.Middleware(testToken)(r))
	t.Cleanup(srv.Close)
	return api.NewClient(srv.URL, testToken), srv
}
