package api

import (
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  string
	}{
		{"3", 3, ""},
		{"v3", 3, ""},
		{"v12", 12, ""},
		{"012", 12, ""},
		{"999999999", 999999999, ""},
		{"", 0, `"" is not a release version: give it as v3 or 3`},
		{"v", 0, "give it as v3 or 3"},
		{"V3", 0, "give it as v3 or 3"},
		{"-3", 0, "give it as v3 or 3"},
		{"+3", 0, "give it as v3 or 3"},
		{" 3", 0, "give it as v3 or 3"},
		{"3 ", 0, "give it as v3 or 3"},
		{"3x", 0, "give it as v3 or 3"},
		{"1e3", 0, "give it as v3 or 3"},
		{"1000000000", 0, "give it as v3 or 3"},
		{"0", 0, `"0" is not a release version: versions start at v1`},
		{"v000", 0, "versions start at v1"},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseVersion(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseVersion(%q) = %d, %v; want an error with %q", tt.in, got, err, tt.err)
		}
	}
}
