package releases

import (
	"fmt"
	"maps"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/paas-dev/paas/internal/procfile"
)

// MaxInstances bounds one process type's scale on one machine.
const MaxInstances = 100

// Formation returns how many instances of each process type the app runs;
// empty before the first scale or deploy.
func (s *Store) Formation(app string) (map[string]int, error) {
	f := map[string]int{}
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		if data := tx.Bucket(bucketFormation).Get([]byte(app)); data != nil {
			return decode(data, &f)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get formation: %w", err)
	}
	return f, nil
}

// UpdateFormation applies change (type -> instances) to the stored formation
// in one transaction and returns the result.
func (s *Store) UpdateFormation(app string, change map[string]int) (map[string]int, error) {
	for t, n := range change {
		if !procfile.ValidType(t) {
			return nil, fmt.Errorf("%w: process type %q: use up to 30 letters, digits, '-' or '_', starting with a letter", ErrInvalid, t)
		}
		if n < 0 || n > MaxInstances {
			return nil, fmt.Errorf("%w: %s=%d: use 0 to %d instances", ErrInvalid, t, n, MaxInstances)
		}
	}
	f := map[string]int{}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		b := tx.Bucket(bucketFormation)
		if data := b.Get([]byte(app)); data != nil {
			if err := decode(data, &f); err != nil {
				return err
			}
		}
		maps.Copy(f, change)
		data, err := encode(f)
		if err != nil {
			return err
		}
		return b.Put([]byte(app), data)
	})
	if err != nil {
		return nil, fmt.Errorf("update formation: %w", err)
	}
	return f, nil
}

// Settings are an app's operational knobs: how its processes are checked,
// stopped and limited. Not part of any release.
type Settings struct {
	HealthPath         string           `json:"health_path,omitempty"`
	BootTimeout        time.Duration    `json:"boot_timeout,omitempty"`
	StopTimeout        time.Duration    `json:"stop_timeout,omitempty"`
	Memory             map[string]int64 `json:"memory,omitempty"`     // bytes per process type
	PIDs               map[string]int64 `json:"pids,omitempty"`       // PID limit per process type
	CPUShares          map[string]int64 `json:"cpu_shares,omitempty"` // CPU weight per process type
	AutoRollback       bool             `json:"auto_rollback,omitempty"`
	AutoRollbackWindow time.Duration    `json:"auto_rollback_window,omitempty"`
	// Maintenance has the router answer every request with 503 (H80).
	Maintenance bool `json:"maintenance,omitempty"`
	// Builder forces how pushes are built (a builder.Language); "" detects
	// it from the app's files.
	Builder string `json:"builder,omitempty"`
	// ACM orders certificates for the app's hosts from the ACME CA
	// (certs:auto:enable).
	ACM bool `json:"acm,omitempty"`
	// HTTPSRedirect sends plain HTTP requests to HTTPS (308) once a host
	// has a certificate; HSTS has browsers keep to HTTPS.
	HTTPSRedirect bool `json:"https_redirect,omitempty"`
	HSTS          bool `json:"hsts,omitempty"`
}

// Settings returns the app's settings; zero values mean the daemon's defaults.
func (s *Store) Settings(app string) (Settings, error) {
	var st Settings
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		if data := tx.Bucket(bucketSettings).Get([]byte(app)); data != nil {
			return decode(data, &st)
		}
		return nil
	})
	if err != nil {
		return Settings{}, fmt.Errorf("get settings: %w", err)
	}
	return st, nil
}

// UpdateSettings reads, changes and stores the app's settings in one
// transaction. change returning an error stores nothing.
func (s *Store) UpdateSettings(app string, change func(*Settings) error) (Settings, error) {
	var st Settings
	err := s.db.Update(func(tx *bolt.Tx) error {
		if _, err := getApp(tx, app); err != nil {
			return err
		}
		b := tx.Bucket(bucketSettings)
		if data := b.Get([]byte(app)); data != nil {
			if err := decode(data, &st); err != nil {
				return err
			}
		}
		st.Memory = maps.Clone(st.Memory)
		st.PIDs = maps.Clone(st.PIDs)
		st.CPUShares = maps.Clone(st.CPUShares)
		if err := change(&st); err != nil {
			return err
		}
		data, err := encode(st)
		if err != nil {
			return err
		}
		return b.Put([]byte(app), data)
	})
	if err != nil {
		return Settings{}, fmt.Errorf("update settings: %w", err)
	}
	return st, nil
}
