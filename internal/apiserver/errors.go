package apiserver

import (
	"net/http"

	"github.com/paas-dev/paas/api"
)

// badRequest is a request paasd cannot read: its body, a header, a
// parameter.
func badRequest(msg string) error {
	return &api.Error{StatusCode: http.StatusBadRequest, ID: api.IDBadRequest, Message: msg}
}

// invalidRequest is a request paasd can read but will not do.
func invalidRequest(msg string) *api.Error {
	return &api.Error{StatusCode: http.StatusUnprocessableEntity, ID: api.IDInvalid, Message: msg}
}
