package platform

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/builder"
	"github.com/paas-dev/paas/internal/releases"
)

// DefaultAutoRollbackWindow is how long a new release is watched when the
// app has auto-rollback on.
const DefaultAutoRollbackWindow = 2 * time.Minute

// Settings returns the app's effective settings, defaults filled in.
func (p *Platform) Settings(_ context.Context, app string) (api.Settings, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return api.Settings{}, err
	}
	st, err := p.store.Settings(app)
	if err != nil {
		return api.Settings{}, err
	}
	return p.toAPISettings(st), nil
}

// settingKeys are the names UpdateSettings takes, as paasctl apps:settings
// spells them.
var settingKeys = []string{"auto-rollback", "auto-rollback-window", "boot-timeout", "builder", "health-path", "hsts", "https-redirect", "stop-timeout"}

// UpdateSettings changes settings by name; all or nothing.
func (p *Platform) UpdateSettings(_ context.Context, app string, u api.SettingsUpdate) (api.Settings, error) {
	if err := releases.ValidateAppName(app); err != nil {
		return api.Settings{}, err
	}
	if len(u) == 0 {
		return api.Settings{}, fmt.Errorf("%w: nothing to change: give KEY=VALUE, keys: %s", releases.ErrInvalid, strings.Join(settingKeys, ", "))
	}
	st, err := p.store.UpdateSettings(app, func(st *releases.Settings) error {
		for _, k := range slices.Sorted(maps.Keys(u)) {
			if err := applySetting(st, k, u[k]); err != nil {
				return fmt.Errorf("%w: %s", releases.ErrInvalid, err)
			}
		}
		return nil
	})
	if err != nil {
		return api.Settings{}, err
	}
	p.routes.SetHTTPS(app, st.HTTPSRedirect, st.HSTS)
	p.emit(app, "api", "Settings changed: "+strings.Join(slices.Sorted(maps.Keys(u)), ", "))
	return p.toAPISettings(st), nil
}

func applySetting(st *releases.Settings, key, value string) error {
	switch key {
	case "auto-rollback", "https-redirect", "hsts":
		on, err := onOff(key, value)
		if err != nil {
			return err
		}
		switch key {
		case "auto-rollback":
			st.AutoRollback = on
		case "https-redirect":
			st.HTTPSRedirect = on
		case "hsts":
			st.HSTS = on
		}
	case "auto-rollback-window":
		d, err := durationSetting(key, value, 10*time.Second, time.Hour)
		if err != nil {
			return err
		}
		st.AutoRollbackWindow = d
	case "boot-timeout":
		d, err := durationSetting(key, value, time.Second, 30*time.Minute)
		if err != nil {
			return err
		}
		st.BootTimeout = d
	case "stop-timeout":
		d, err := durationSetting(key, value, time.Second, 30*time.Minute)
		if err != nil {
			return err
		}
		st.StopTimeout = d
	case "builder":
		switch {
		case value == "" || value == "auto":
			st.Builder = ""
		case slices.Contains(builder.Languages, builder.Language(value)):
			st.Builder = value
		default:
			return fmt.Errorf("builder=%q: use one of %s, or auto to detect it from the app's files", value, languageNames())
		}
	case "health-path":
		if value != "" && (!strings.HasPrefix(value, "/") || len(value) > 200 || strings.ContainsAny(value, " \t\r\n#")) {
			return fmt.Errorf("health-path=%q: use a URL path such as /health (empty: check that the port accepts connections)", value)
		}
		st.HealthPath = value
	default:
		return fmt.Errorf("unknown setting %q: use one of %s", key, strings.Join(settingKeys, ", "))
	}
	return nil
}

func onOff(key, value string) (bool, error) {
	switch strings.ToLower(value) {
	case "on", "true", "yes", "1":
		return true, nil
	case "off", "false", "no", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s=%q: use on or off", key, value)
}

func durationSetting(key, value string, min, max time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(value)
	if err != nil || d < min || d > max {
		return 0, fmt.Errorf("%s=%q: use a duration from %s to %s, e.g. 90s", key, value, min, max)
	}
	return d, nil
}

func (p *Platform) toAPISettings(st releases.Settings) api.Settings {
	window := st.AutoRollbackWindow
	if window == 0 {
		window = DefaultAutoRollbackWindow
	}
	return api.Settings{
		AutoRollback:       st.AutoRollback,
		AutoRollbackWindow: window.String(),
		HealthPath:         st.HealthPath,
		Builder:            cmp.Or(st.Builder, "auto"),
		BootTimeout:        or(st.BootTimeout, p.opts.BootTimeout).String(),
		StopTimeout:        or(st.StopTimeout, p.opts.StopTimeout).String(),
		HTTPSRedirect:      st.HTTPSRedirect,
		HSTS:               st.HSTS,
	}
}

// Limits returns the limits of every process type of the current release.
func (p *Platform) Limits(_ context.Context, app string) (api.Limits, error) {
	rel, err := p.currentBuild(app)
	if err != nil {
		return nil, err
	}
	st, err := p.store.Settings(app)
	if err != nil {
		return nil, err
	}
	return p.limits(rel, st), nil
}

// SetLimits changes the limits of process types and restarts the processes
// of the changed types onto them.
func (p *Platform) SetLimits(ctx context.Context, app string, l api.Limits) (api.Limits, error) {
	if len(l) == 0 {
		return nil, fmt.Errorf("%w: nothing to change: give TYPE=LIMITS, e.g. web=512m or web=1g,pids=256,cpu=512", releases.ErrInvalid)
	}
	unlock, err := p.lockApp(ctx, app)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rel, err := p.currentBuild(app)
	if err != nil {
		return nil, err
	}
	types := processTypes(rel)
	changes := map[string]api.ProcessLimit{}
	for t, v := range l {
		if !slices.Contains(types, t) && t != "run" {
			return nil, fmt.Errorf("%w: v%d has no process type %q; its types are %s", releases.ErrInvalid, rel.Version, t, strings.Join(types, ", "))
		}
		pl, err := api.ParseLimit(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %s=%s: %v", releases.ErrInvalid, t, v, err)
		}
		changes[t] = pl
	}
	st, err := p.store.UpdateSettings(app, func(st *releases.Settings) error {
		for t, pl := range changes {
			setLimit(&st.Memory, t, pl.Memory)
			setLimit(&st.PIDs, t, pl.PIDs)
			setLimit(&st.CPUShares, t, pl.CPUShares)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	spec, err := p.spec(rel)
	if err != nil {
		return nil, err
	}
	for _, t := range slices.Sorted(maps.Keys(changes)) {
		if spec.Formation[t] == 0 {
			continue
		}
		if err := p.runner.Restart(context.WithoutCancel(ctx), spec, t, io.Discard); err != nil {
			return nil, fmt.Errorf("restart %s processes onto the new limit: %w", t, err)
		}
	}
	p.emit(app, "api", "Limits changed: "+strings.Join(slices.Sorted(maps.Keys(changes)), ", "))
	return p.limits(rel, st), nil
}

// setLimit sets (*m)[typ] to n unless n is 0, which leaves it as it is.
func setLimit(m *map[string]int64, typ string, n int64) {
	if n == 0 {
		return
	}
	if *m == nil {
		*m = map[string]int64{}
	}
	(*m)[typ] = n
}

func (p *Platform) limits(rel releases.Release, st releases.Settings) api.Limits {
	out := api.Limits{}
	for _, t := range append(processTypes(rel), "run") {
		out[t] = api.FormatLimit(p.limitOf(st, t))
	}
	return out
}

// limitOf is the effective limit of processes of type t.
func (p *Platform) limitOf(st releases.Settings, t string) api.ProcessLimit {
	orDefault := func(n, def int64) int64 {
		if n > 0 {
			return n
		}
		return def
	}
	return api.ProcessLimit{
		Memory:    orDefault(st.Memory[t], p.opts.DefaultMemory),
		PIDs:      orDefault(st.PIDs[t], p.opts.DefaultPIDs),
		CPUShares: orDefault(st.CPUShares[t], p.opts.DefaultCPUShares),
	}
}

func or(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
