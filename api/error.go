package api

import (
	"net/http"
)

// Error IDs: the stable, machine-readable part of an Error.
const (
	IDNotFound = "not_found"
	IDConflict = "conflict"
	// IDInvalid is Heroku's invalid_params: a request read well that asks
	// for what cannot be (a name taken by the rules, an unknown process
	// type), 422; IDBadRequest is one that cannot be read (not JSON, a
	// field of the wrong type, a bad query parameter), 400.
	IDInvalid          = "invalid_params"
	IDBadRequest       = "bad_request"
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

// IDForStatus names a status that came without a JSON error body.
func IDForStatus(code int) string {
	switch code {
	case http.StatusNotFound:
		return IDNotFound
	case http.StatusConflict:
		return IDConflict
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		return IDBadRequest
	case http.StatusUnprocessableEntity:
		return IDInvalid
	case http.StatusUnauthorized, http.StatusForbidden:
		return IDUnauthorized
	case http.StatusMethodNotAllowed:
		return IDMethodNotAllowed
	default:
		return IDInternal
	}
}
