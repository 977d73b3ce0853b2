package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
)

// DefaultUsageEvery is how often the engine is asked for each running
// container's CPU and memory: often enough for ps and a chart, rare enough
// that a few dozen containers cost the engine little.
const DefaultUsageEvery = 5 * time.Second

// Usage is what a container used, as last sampled.
type Usage struct {
	// CPUPercent is the share of one CPU used since the sample before
	// (150 is one and a half CPUs); nil until two samples were taken.
	CPUPercent *float64
	// MemoryBytes is the memory in use, the page cache that can be
	// reclaimed left out, as `docker stats` shows it.
	MemoryBytes uint64
	SampledAt   time.Time
}

// statsAPI is the part of the Docker client the sampler uses.
type statsAPI interface {
	ContainerList(ctx context.Context, options container.ListOptions) ([]container.Summary, error)
	ContainerStatsOneShot(ctx context.Context, id string) (container.StatsResponseReader, error)
}

// UsageSampler asks the engine, every so often, what each running process
// of this daemon's apps uses (not add-ons' services: nothing reads theirs).
// The engine's one-shot stats are cumulative, so CPU use is the difference
// between two samples.
type UsageSampler struct {
	api    statsAPI
	filter filters.Args // the running containers it samples
	every  time.Duration
	log    *slog.Logger

	mu   sync.RWMutex
	byID map[string]sample
}

// sample is one container's raw figures and what they work out to.
type sample struct {
	cpuTotal, systemTotal uint64
	onlineCPUs            uint32
	usage                 Usage
}

// NewUsageSampler samples the running app processes labelled with daemonID
// every interval (DefaultUsageEvery if 0) once Run is called.
func NewUsageSampler(api statsAPI, daemonID string, every time.Duration, log *slog.Logger) *UsageSampler {
	if every <= 0 {
		every = DefaultUsageEvery
	}
	if log == nil {
		log = slog.Default()
	}
	f := filters.NewArgs(filters.Arg("label", LabelDaemon+"="+daemonID), filters.Arg("label", LabelApp), filters.Arg("status", "running"))
	return &UsageSampler{api: api, filter: f, every: every, log: log, byID: map[string]sample{}}
}

// NewTaskUsageSampler samples the running containers of apps' swarm tasks
// on one node's engine (PAAS_BACKEND=swarm): those have the app's label but
// not the daemon's, which only services carry.
func NewTaskUsageSampler(api statsAPI, every time.Duration, log *slog.Logger) *UsageSampler {
	s := NewUsageSampler(api, "", every, log)
	s.filter = filters.NewArgs(filters.Arg("label", "com.docker.swarm.task.id"), filters.Arg("label", LabelApp), filters.Arg("status", "running"))
	return s
}

// Usages reads the samples of several samplers, one per engine.
type Usages []*UsageSampler

// Usage is the last sample of the container id, from whichever engine runs
// it.
func (us Usages) Usage(id string) (Usage, bool) {
	for _, s := range us {
		if u, ok := s.Usage(id); ok {
			return u, true
		}
	}
	return Usage{}, false
}

// Run samples until ctx ends.
func (s *UsageSampler) Run(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	var failing string // logged once, not every round: an engine may be gone for long
	for {
		err := s.Sample(ctx)
		switch {
		case err != nil && ctx.Err() == nil && err.Error() != failing:
			s.log.Warn("sample containers' CPU and memory", "err", err)
			failing = err.Error()
		case err == nil && failing != "":
			s.log.Info("sample containers' CPU and memory: the engine answers again")
			failing = ""
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sample takes one sample of every running app process now. Containers no
// longer running are forgotten.
func (s *UsageSampler) Sample(ctx context.Context) error {
	list, err := s.api.ContainerList(ctx, container.ListOptions{Filters: s.filter})
	if err != nil {
		return fmt.Errorf("list running containers: %w", err)
	}
	byID := make(map[string]sample, len(list))
	for _, c := range list {
		st, err := s.stats(ctx, c.ID)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // stopped since the list
		}
		s.mu.RLock()
		prev, seen := s.byID[c.ID]
		s.mu.RUnlock()
		cur := sample{
			cpuTotal: st.CPUStats.CPUUsage.TotalUsage, systemTotal: st.CPUStats.SystemUsage, onlineCPUs: st.CPUStats.OnlineCPUs,
			usage: Usage{MemoryBytes: memoryInUse(st.MemoryStats), SampledAt: time.Now().UTC()},
		}
		if seen {
			cur.usage.CPUPercent = cpuPercent(prev, cur)
		}
		byID[c.ID] = cur
	}
	s.mu.Lock()
	s.byID = byID
	s.mu.Unlock()
	return nil
}

func (s *UsageSampler) stats(ctx context.Context, id string) (container.StatsResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, s.every)
	defer cancel()
	r, err := s.api.ContainerStatsOneShot(ctx, id)
	if err != nil {
		return container.StatsResponse{}, fmt.Errorf("read stats of %s: %w", shortID(id), err)
	}
	defer r.Body.Close()
	var st container.StatsResponse
	if err := json.NewDecoder(r.Body).Decode(&st); err != nil {
		return container.StatsResponse{}, fmt.Errorf("read stats of %s: %w", shortID(id), err)
	}
	return st, nil
}

// Usage is the last sample of a running process's container.
func (s *UsageSampler) Usage(id string) (Usage, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	smp, ok := s.byID[id]
	return smp.usage, ok
}

// cpuPercent is the CPU used between two samples, as docker stats works it
// out: the container's share of the machine's CPU time, times its CPUs.
func cpuPercent(prev, cur sample) *float64 {
	if cur.cpuTotal < prev.cpuTotal || cur.systemTotal <= prev.systemTotal || cur.onlineCPUs == 0 {
		return nil // restarted in between, or the engine gave no system time
	}
	p := float64(cur.cpuTotal-prev.cpuTotal) / float64(cur.systemTotal-prev.systemTotal) * float64(cur.onlineCPUs) * 100
	return &p
}

// memoryInUse leaves out the inactive page cache, which the kernel takes
// back under pressure: cgroup v2 calls it inactive_file, v1
// total_inactive_file.
func memoryInUse(m container.MemoryStats) uint64 {
	cache := m.Stats["inactive_file"]
	if v, ok := m.Stats["total_inactive_file"]; ok {
		cache = v
	}
	if cache > m.Usage {
		return m.Usage
	}
	return m.Usage - cache
}
