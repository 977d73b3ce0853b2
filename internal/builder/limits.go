package builder

import (
	"strconv"
	"strings"
)

// FormatSize writes a byte count for people: "200 MiB", "1.5 KiB", "12 bytes".
func FormatSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	f, i := float64(n)/1024, 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return strings.TrimSuffix(strconv.FormatFloat(f, 'f', 1, 64), ".0") + " " + units[i]
}

// SizesApart formats a size and the limit it exceeds so that they read as
// different numbers, falling back to exact byte counts when rounding would
// make them look equal.
func SizesApart(size, limit int64) (string, string) {
	s, l := FormatSize(size), FormatSize(limit)
	if s == l {
		return strconv.FormatInt(size, 10) + " bytes", strconv.FormatInt(limit, 10) + " bytes"
	}
	return s, l
}
