package certs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// store keeps the manager's files in its directory, all 0600 in a 0700
// directory: per host <host>.crt (the chain) and <host>.key, the ACME
// account (account.key, account.json), and the back-off of failing hosts
// (failures.json), so that a restart neither orders again what it has nor
// retries sooner than the CA was promised.
type store struct {
	dir      string
	mu       sync.Mutex
	failures map[string]failure
}

// failure is a host's back-off.
type failure struct {
	Failures int       `json:"failures"`
	Reason   string    `json:"reason"`
	Next     time.Time `json:"next"`
}

func openStore(dir string) (*store, error) {
	if dir == "" {
		return nil, errors.New("certificates: no directory to keep them in")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil { // keys: for paasd's user only
		return nil, fmt.Errorf("certificates: %w", err)
	}
	s := &store{dir: dir, failures: map[string]failure{}}
	data, err := os.ReadFile(filepath.Join(dir, "failures.json"))
	if err == nil {
		err = json.Unmarshal(data, &s.failures)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("certificates: read failures.json: %w", err)
	}
	return s, nil
}

// loadCerts reads every host's certificate; one that cannot be read is
// skipped (ordered again when wanted), and said so.
func (s *store) loadCerts() (map[string]*stored, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	out := map[string]*stored{}
	for _, e := range entries {
		host, ok := strings.CutSuffix(e.Name(), ".crt")
		if !ok || e.IsDir() {
			continue
		}
		certPEM, err := os.ReadFile(filepath.Join(s.dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		keyPEM, err := os.ReadFile(filepath.Join(s.dir, host+".key"))
		if err != nil {
			continue
		}
		c, err := parse(certPEM, keyPEM)
		if err != nil {
			continue
		}
		out[host] = c
	}
	return out, nil
}

// save writes host's certificate and key, each by a rename, the key first:
// a crash leaves the old pair or a new key beside the old certificate,
// which loadCerts skips as a mismatch.
func (s *store) save(host string, certPEM, keyPEM []byte) error {
	if err := writeFile(filepath.Join(s.dir, host+".key"), keyPEM); err != nil {
		return err
	}
	return writeFile(filepath.Join(s.dir, host+".crt"), certPEM)
}

func (s *store) remove(host string) error {
	return errors.Join(s.clearFailure(host), removeFile(filepath.Join(s.dir, host+".crt")), removeFile(filepath.Join(s.dir, host+".key")))
}

func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (s *store) failure(host string) (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.failures[host]
	return f, ok
}

func (s *store) setFailure(host string, f failure) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[host] = f
	return s.saveFailures()
}

func (s *store) clearFailure(host string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.failures[host]; !ok {
		return nil
	}
	delete(s.failures, host)
	return s.saveFailures()
}

// saveFailures writes the back-offs.
func (s *store) saveFailures() error {
	data, err := json.Marshal(s.failures)
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	return writeFile(filepath.Join(s.dir, "failures.json"), data)
}

// writeFile replaces path with data, mode 0600, by a rename of a synced
// temporary file.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("certificates: write %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("certificates: write %s: %w", filepath.Base(path), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("certificates: write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("certificates: write %s: %w", filepath.Base(path), err)
	}
	return nil
}
