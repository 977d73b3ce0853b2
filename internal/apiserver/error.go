package apiserver

import (
	"errors"
	"net/http"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

// errorFor maps a Platform error to its response by the ledger's sentinels.
func errorFor(err error) *api.Error {
	var apiErr *api.Error
	switch {
	case errors.As(err, &apiErr):
		e := *apiErr
		if e.StatusCode < 400 || e.StatusCode > 599 {
			e.StatusCode = http.StatusInternalServerError
		}
		if e.ID == "" {
			e.ID = api.IDForStatus(e.StatusCode)
		}
		return &e
	case errors.Is(err, releases.ErrNotFound):
		return &api.Error{StatusCode: http.StatusNotFound, ID: api.IDNotFound, Message: err.Error()}
	case errors.Is(err, releases.ErrExists):
		return &api.Error{StatusCode: http.StatusConflict, ID: api.IDConflict, Message: err.Error()}
	case errors.Is(err, releases.ErrInvalid):
		return &api.Error{StatusCode: http.StatusUnprocessableEntity, ID: api.IDInvalid, Message: err.Error()}
	default:
		return &api.Error{StatusCode: http.StatusInternalServerError, ID: api.IDInternal, Message: err.Error() + " (details are in the paasd log)"}
	}
}
