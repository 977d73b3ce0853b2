package runner

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
)

// fakeStats serves one-shot stats from a table the test moves on.
type fakeStats struct {
	running []container.Summary
	stats   map[string]container.StatsResponse
	listed  container.ListOptions
}

func (f *fakeStats) ContainerList(_ context.Context, o container.ListOptions) ([]container.Summary, error) {
	f.listed = o
	return f.running, nil
}

func (f *fakeStats) ContainerStatsOneShot(_ context.Context, id string) (container.StatsResponseReader, error) {
	st, ok := f.stats[id]
	if !ok {
		return container.StatsResponseReader{}, errors.New("no such container")
	}
	b, _ := json.Marshal(st)
	return container.StatsResponseReader{Body: io.NopCloser(strings.NewReader(string(b)))}, nil
}

func statsOf(cpu, system uint64, cpus uint32, mem uint64, cache map[string]uint64) container.StatsResponse {
	var st container.StatsResponse
	st.CPUStats.CPUUsage.TotalUsage, st.CPUStats.SystemUsage, st.CPUStats.OnlineCPUs = cpu, system, cpus
	st.MemoryStats.Usage, st.MemoryStats.Stats = mem, cache
	return st
}

// CPU is the difference between two samples, as docker stats works it
// out; memory leaves the inactive page cache out; a container that stopped
// is forgotten; only this daemon's running app processes are asked for.
func TestUsageSampler(t *testing.T) {
	f := &fakeStats{
		running: []container.Summary{{ID: "aaa", Names: []string{"/paas-d1-hello-web.1"}}, {ID: "bbb", Names: []string{"/paas-d1-addon-postgres-1"}}},
		stats: map[string]container.StatsResponse{
			"aaa": statsOf(1_000, 100_000, 2, 50<<20, map[string]uint64{"inactive_file": 10 << 20}),
			"bbb": statsOf(5_000, 100_000, 2, 20<<20, map[string]uint64{"total_inactive_file": 30 << 20}),
		},
	}
	s := NewUsageSampler(f, "d1", 0, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	if err := s.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	if args := f.listed.Filters; !args.ExactMatch("label", LabelDaemon+"=d1") || !args.ExactMatch("label", LabelApp) || !args.ExactMatch("status", "running") {
		t.Errorf("listed with %v", f.listed.Filters)
	}
	u, ok := s.Usage("aaa")
	if !ok || u.CPUPercent != nil || u.MemoryBytes != 40<<20 {
		t.Fatalf("first sample of aaa = %+v, %v; want no CPU yet and 40 MiB", u, ok)
	}
	if u, ok := s.Usage("bbb"); !ok || u.MemoryBytes != 20<<20 {
		t.Errorf("bbb = %+v, %v; want its usage, the cache larger than it ignored", u, ok)
	}

	// aaa used 25% of the machine's 2 CPUs' time since: half a CPU.
	f.stats["aaa"] = statsOf(1_000+25_000, 200_000, 2, 60<<20, nil)
	f.running = f.running[:1]
	if err := s.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	u, ok = s.Usage("aaa")
	if !ok || u.CPUPercent == nil || *u.CPUPercent != 50 || u.MemoryBytes != 60<<20 {
		t.Errorf("second sample of aaa = %+v (cpu %v), %v; want 50%% and 60 MiB", u, u.CPUPercent, ok)
	}
	if _, ok := s.Usage("bbb"); ok {
		t.Error("a container no longer running keeps its usage")
	}

	// A restart resets the container's counters: no figure, not a negative one.
	f.stats["aaa"] = statsOf(10, 300_000, 2, 60<<20, nil)
	if err := s.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Usage("aaa"); u.CPUPercent != nil {
		t.Errorf("CPU across a restart = %v, want none", *u.CPUPercent)
	}
}
