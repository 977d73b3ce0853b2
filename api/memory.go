package api

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Memory limit bounds. Docker refuses a limit under 6 MiB.
const (
	MinMemory int64 = 6 << 20
	MaxMemory int64 = 64 << 30
)

// ParseMemory reads a memory size as Docker and Heroku users write it: a
// whole number with a k, m or g suffix (powers of 1024, any case, an optional
// trailing b), or a number of bytes: "512m", "1g", "1536MB". It is at least
// MinMemory and at most MaxMemory.
func ParseMemory(s string) (int64, error) {
	digits := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "b")
	unit := int64(1)
	if digits != "" {
		switch digits[len(digits)-1] {
		case 'k':
			unit = 1 << 10
		case 'm':
			unit = 1 << 20
		case 'g':
			unit = 1 << 30
		}
		if unit > 1 {
			digits = digits[:len(digits)-1]
		}
	}
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a memory size: give a whole number with k, m or g, e.g. 512m or 1g", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil { // only out of range: the digits are checked
		n = math.MaxInt64
	}
	if n > MaxMemory/unit {
		return 0, fmt.Errorf("memory size %q is too large: the most is %s", s, FormatMemory(MaxMemory))
	}
	if n*unit < MinMemory {
		return 0, fmt.Errorf("memory size %q is too small: the least is %s", s, FormatMemory(MinMemory))
	}
	return n * unit, nil
}

// FormatMemory writes n bytes in the largest unit that divides it: "512m",
// "1g", "1536k"; ParseMemory reads it back.
func FormatMemory(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
