package apiserver

import (
	"net/http"

	"github.com/paas-dev/paas/api"
)

// badRequest is a request paasd cannot read: its body, a header, a
// parameter.
func badRequest(msg string) error {
	return &api.Error{StatusCode: http.StatusBadRequest, ID: "bad_request", Message: msg}
}
