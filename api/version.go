package api

import (
	"fmt"
	"strconv"
	"strings"
)

// maxVersionDigits keeps a version inside an int on every platform.
const maxVersionDigits = 9

// ParseVersion reads a release version as users write it: "v3" or "3".
func ParseVersion(s string) (int, error) {
	digits := strings.TrimPrefix(s, "v")
	if digits == "" || len(digits) > maxVersionDigits || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a release version: give it as v3 or 3", s)
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, fmt.Errorf("%q is not a release version: give it as v3 or 3", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("%q is not a release version: versions start at v1", s)
	}
	return n, nil
}
