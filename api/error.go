package api

import (
	"net/http"
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

// IDForStatus names a status that came without a JSON error body.
func IDForStatus(code int) string {
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
