package apiserver

import (
	"io"
	"log/slog"
	"net/http"
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

// isRefusal reports whether status and id are one of the two refusals of a
// client's request: 400 bad_request (it cannot be read) or 422
// invalid_params (it asks for what cannot be). Tables that mix both check
// with it; TestErrorIDs tells them apart.
func isRefusal(status int, id string) bool {
	return status == http.StatusBadRequest && id == api.IDBadRequest ||
		status == http.StatusUnprocessableEntity && id == api.IDInvalid
}
