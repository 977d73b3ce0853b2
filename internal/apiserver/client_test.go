package apiserver

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestClientSendsBearerToken(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform())
	if _, err := api.NewClient(srv.URL+"/", testToken).Apps(context.Background()); err != nil {
		t.Fatalf("right token: %v", err)
	}
	_, err := api.NewClient(srv.URL, "wrong-token-0123456789").Apps(context.Background())
	var e *api.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusUnauthorized || e.ID != api.IDUnauthorized {
		t.Fatalf("wrong token: err = %v, want 401 unauthorized", err)
	}
}
