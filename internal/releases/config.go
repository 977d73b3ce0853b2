package releases

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxConfigValue is the largest config value, in bytes. Values become
// environment variables of every process, so they are kept well under the
// kernel's per-string limit and small enough to list and diff.
const MaxConfigValue = 32 << 10

// maxConfigKey bounds key length; keys are shown in descriptions and lists.
const maxConfigKey = 256

// configKey is what a POSIX shell accepts as a variable name, so every key
// can be read as $KEY by a process.
var configKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidateConfigKey reports whether k can be a config var name.
func ValidateConfigKey(k string) error {
	if len(k) > maxConfigKey {
		// ErrInvalid's text is "invalid", so the message reads as one sentence.
		return fmt.Errorf("%w config key %q (%d characters): use at most %d", ErrInvalid, abbreviate(k), len(k), maxConfigKey)
	}
	if !configKey.MatchString(k) {
		return fmt.Errorf("%w config key %q: use letters, digits and _, not starting with a digit", ErrInvalid, k)
	}
	return nil
}

// ValidateConfigValue reports whether v can be the value of config var key.
// Values are often secrets: the error names the key and the rule, never any
// part of the value.
func ValidateConfigValue(key, v string) error {
	switch {
	case len(v) > MaxConfigValue:
		return fmt.Errorf("%w value of config var %q: use at most %d bytes (32 KiB)", ErrInvalid, key, MaxConfigValue)
	case !utf8.ValidString(v):
		return fmt.Errorf("%w value of config var %q: use UTF-8 text", ErrInvalid, key)
	case strings.IndexByte(v, 0) >= 0:
		// The environment is NUL-terminated strings: the value would be cut.
		return fmt.Errorf("%w value of config var %q: remove the NUL byte, an environment variable cannot hold one", ErrInvalid, key)
	}
	return nil
}

// validateConfig checks every var of cfg, in key order so the error is the
// same every time.
func validateConfig(cfg map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		if err := ValidateConfigKey(k); err != nil {
			return err
		}
		if err := ValidateConfigValue(k, cfg[k]); err != nil {
			return err
		}
	}
	return nil
}

// abbreviate shortens an over-long key for an error message.
func abbreviate(s string) string {
	const keep = 32
	if len(s) <= keep {
		return s
	}
	return s[:keep] + "..."
}
