package api

import (
	"errors"
	"net/http"

	"github.com/paas-dev/paas/internal/releases"
)

// Error IDs: the stable, machine-readable part of an Error.
const (
	IDNotFound         = "not_found"
	IDConflict         = "conflict"
	IDInvalid          = "invalid"
	IDUnauthorized     = "unauthorized"
	IDMethodNotAllowed = "method_not_allowed"
	IDInternal         = "internal"
)

// Error is the body of every error response, and the error the Client returns
// for one.
type Error struct {
	StatusCode int    `json:"-"`
	ID         string `json:"id"`
	// Message says what failed and what to do about it.
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.ID != "" {
		return e.ID
	}
	return http.StatusText(e.StatusCode)
}

// errorFor maps a Platform error to its response by the ledger's sentinels.
func errorFor(err error) *Error {
	var apiErr *Error
	switch {
	case errors.As(err, &apiErr):
		e := *apiErr
		if e.StatusCode < 400 || e.StatusCode > 599 {
			e.StatusCode = http.StatusInternalServerError
		}
		if e.ID == "" {
			e.ID = idForStatus(e.StatusCode)
		}
		return &e
	case errors.Is(err, releases.ErrNotFound):
		return &Error{StatusCode: http.StatusNotFound, ID: IDNotFound, Message: err.Error()}
	case errors.Is(err, releases.ErrExists):
		return &Error{StatusCode: http.StatusConflict, ID: IDConflict, Message: err.Error()}
	case errors.Is(err, releases.ErrInvalid):
		return &Error{StatusCode: http.StatusBadRequest, ID: IDInvalid, Message: err.Error()}
	default:
		return &Error{StatusCode: http.StatusInternalServerError, ID: IDInternal, Message: err.Error() + " (details are in the paasd log)"}
	}
}

// idForStatus names a status that came without a JSON error body.
func idForStatus(code int) string {
	switch code {
	case http.StatusNotFound:
		return IDNotFound
	case http.StatusConflict:
		return IDConflict
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		return IDInvalid
	case http.StatusUnauthorized, http.StatusForbidden:
		return IDUnauthorized
	case http.StatusMethodNotAllowed:
		return IDMethodNotAllowed
	default:
		return IDInternal
	}
}
