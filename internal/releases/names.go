package releases

import (
	"fmt"
	"regexp"
)

// appName is deliberately narrow: a name becomes a directory, a git path, a
// Docker label and a host name, so it must be safe in all of them.
var appName = regexp.MustCompile(`^[a-z][a-z0-9-]{1,29}$`)

// ValidateAppName reports whether name can be an app name. Callers run it
// before any filesystem, git or Docker call: it is the guard against path
// traversal and injection through names.
func ValidateAppName(name string) error {
	if !appName.MatchString(name) {
		// ErrInvalid's text is "invalid", so the message reads as one sentence.
		return fmt.Errorf("%w app name %q: use 2 to 30 characters: lowercase letters, digits and dashes, starting with a letter", ErrInvalid, name)
	}
	return nil
}
