package api

import (
	"strings"
	"testing"
)

func TestParseMemory(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{"512m", 512 << 20, ""},
		{"512M", 512 << 20, ""},
		{"512mb", 512 << 20, ""},
		{"1536MB", 1536 << 20, ""},
		{"1g", 1 << 30, ""},
		{"1GB", 1 << 30, ""},
		{"64g", 64 << 30, ""},
		{"6m", 6 << 20, ""},
		{"6144k", 6 << 20, ""},
		{"6291456", 6 << 20, ""},
		{"6291456b", 6 << 20, ""},
		{" 1g ", 1 << 30, ""},
		{"5m", 0, "too small: the least is 6m"},
		{"4m", 0, "too small"},
		{"0", 0, "too small"},
		{"65g", 0, "too large: the most is 64g"},
		{"65537m", 0, "too large"},
		{"99999999999999999999g", 0, "too large"},
		{"99999999999999999999", 0, "too large"},
		{"", 0, "is not a memory size"},
		{"m", 0, "is not a memory size"},
		{"1.5g", 0, "is not a memory size"},
		{"-1g", 0, "is not a memory size"},
		{"+1g", 0, "is not a memory size"},
		{"1t", 0, "is not a memory size"},
		{"1 g", 0, "is not a memory size"},
		{"1gg", 0, "is not a memory size"},
		{"0x10m", 0, "is not a memory size"},
	}
	for _, tt := range tests {
		got, err := ParseMemory(tt.in)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseMemory(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseMemory(%q) = %d, %v; want an error with %q", tt.in, got, err, tt.err)
		}
	}
}

func TestFormatMemoryRoundTrips(t *testing.T) {
	for _, n := range []int64{MinMemory, 512 << 20, 1 << 30, 1536 << 20, 64 << 30, 6<<20 + 1<<10, 6<<20 + 1} {
		s := FormatMemory(n)
		if got, err := ParseMemory(s); err != nil || got != n {
			t.Errorf("FormatMemory(%d) = %q, which parses as %d, %v", n, s, got, err)
		}
	}
	for n, want := range map[int64]string{512 << 20: "512m", 1 << 30: "1g", 1536 << 20: "1536m", 6<<20 + 1<<10: "6145k"} {
		if got := FormatMemory(n); got != want {
			t.Errorf("FormatMemory(%d) = %q, want %q", n, got, want)
		}
	}
}
