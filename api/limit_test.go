package api

import (
	"strings"
	"testing"
)

func TestParseLimit(t *testing.T) {
	tests := []struct {
		in   string
		want ProcessLimit
		err  string
	}{
		{in: "512m", want: ProcessLimit{Memory: 512 << 20}},
		{in: "1g,pids=256,cpu=512", want: ProcessLimit{Memory: 1 << 30, PIDs: 256, CPUShares: 512}},
		{in: " cpu=2 , memory=6m ", want: ProcessLimit{Memory: 6 << 20, CPUShares: 2}},
		{in: "pids=100", want: ProcessLimit{PIDs: 100}},
		{in: "", err: "empty limit"},
		{in: "pids=8", err: "pids=8: give a whole number from 16 to 65536"},
		{in: "cpu=lots", err: "cpu=lots: give a whole number from 2 to 262144"},
		{in: "1g,swap=2g", err: `unknown limit "swap"`},
		{in: "1t", err: "not a memory size"},
		{in: "512m,", err: "not a memory size"},
	}
	for _, tt := range tests {
		got, err := ParseLimit(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseLimit(%q) = %+v, %v; want an error with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseLimit(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if back, err := ParseLimit(FormatLimit(got)); err != nil || back != got {
			t.Errorf("FormatLimit(%+v) = %q reads back as %+v, %v", got, FormatLimit(got), back, err)
		}
	}
}
