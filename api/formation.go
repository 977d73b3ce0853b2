package api

import (
	"fmt"
	"regexp"
)

// processTypePattern is how process types are named, in a Procfile and in
// every call that takes one: a letter, then up to 29 letters, digits, _ or -.
var processTypePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,29}$`)

// ValidProcessType reports whether name can be a process type.
func ValidProcessType(name string) bool { return processTypePattern.MatchString(name) }

// ValidateProcessType checks that t is named as the Procfile names process
// types: a letter, then up to 29 letters, digits, _ or -.
func ValidateProcessType(t string) error {
	if !ValidProcessType(t) {
		return fmt.Errorf("%q is not a process type: types are named as in the Procfile, a letter then up to 29 letters, digits, _ or -", t)
	}
	return nil
}

func formationPath(app string) string { return AppPath(app) + "/formation" }
