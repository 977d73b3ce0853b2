package releases

import "errors"

// Sentinels for errors.Is; every returned error wraps one of them with context.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrInvalid  = errors.New("invalid")
)
