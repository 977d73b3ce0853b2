package api

import (
	"fmt"
	"strconv"
	"strings"
)

// Bounds of the PID limit and CPU shares one process may be given.
const (
	MinPIDs      int64 = 16
	MaxPIDs      int64 = 65536
	MinCPUShares int64 = 2 // the kernel's least weight
	MaxCPUShares int64 = 262144
)

// ProcessLimit is what a Limits value holds; 0 leaves a limit as it is.
type ProcessLimit struct {
	Memory    int64 // bytes
	PIDs      int64 // processes and threads at once
	CPUShares int64 // weight when the CPUs are busy; 1024 is the default
}

const limitSyntax = "give SIZE, or SIZE,pids=N,cpu=N with any of the three: 512m, 1g,pids=256 or cpu=512"

// ParseLimit reads a Limits value: a memory size, and pids=N and cpu=N,
// comma-separated in any order: "512m", "1g,pids=256,cpu=512", "pids=100".
func ParseLimit(s string) (ProcessLimit, error) {
	var l ProcessLimit
	if strings.TrimSpace(s) == "" {
		return l, fmt.Errorf("empty limit: %s", limitSyntax)
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		key, value, named := strings.Cut(part, "=")
		var err error
		switch {
		case !named:
			l.Memory, err = ParseMemory(part)
		case key == "memory":
			l.Memory, err = ParseMemory(value)
		case key == "pids":
			l.PIDs, err = parseBounded(value, "pids", MinPIDs, MaxPIDs)
		case key == "cpu":
			l.CPUShares, err = parseBounded(value, "cpu", MinCPUShares, MaxCPUShares)
		default:
			return ProcessLimit{}, fmt.Errorf("%q: unknown limit %q: %s", s, key, limitSyntax)
		}
		if err != nil {
			return ProcessLimit{}, err
		}
	}
	return l, nil
}

func parseBounded(v, name string, least, most int64) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < least || n > most {
		return 0, fmt.Errorf("%s=%s: give a whole number from %d to %d", name, v, least, most)
	}
	return n, nil
}

// FormatLimit writes l as ParseLimit reads it, leaving out what is 0.
func FormatLimit(l ProcessLimit) string {
	var parts []string
	if l.Memory > 0 {
		parts = append(parts, FormatMemory(l.Memory))
	}
	if l.PIDs > 0 {
		parts = append(parts, "pids="+strconv.FormatInt(l.PIDs, 10))
	}
	if l.CPUShares > 0 {
		parts = append(parts, "cpu="+strconv.FormatInt(l.CPUShares, 10))
	}
	return strings.Join(parts, ",")
}
