package daemon

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/releases"
)

func TestOpenLedgerKeepsItsKey(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dataDir, keyDir := t.TempDir(), t.TempDir()

	// By default the key is made in the data dir, once.
	cfg := Config{DataDir: dataDir}
	for range 2 {
		store, err := openLedger(cfg, log)
		if err != nil {
			t.Fatal(err)
		}
		store.Close()
	}
	if fi, err := os.Stat(filepath.Join(dataDir, "ledger.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("ledger.key: %v, %v", fi, err)
	}

	// PAAS_LEDGER_KEY_FILE elsewhere: another key, which this ledger was
	// not sealed with.
	c, err := ConfigFromEnv(env(map[string]string{"PAAS_DATA_DIR": dataDir, "PAAS_LEDGER_KEY_FILE": filepath.Join(keyDir, "k")}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = openLedger(c, log)
	if !errors.Is(err, releases.ErrWrongKey) || !strings.Contains(err.Error(), filepath.Join(keyDir, "k")) {
		t.Fatalf("openLedger with another key file = %v, want ErrWrongKey naming the file", err)
	}
	// A fresh data dir takes the key from there.
	c.DataDir = t.TempDir()
	store, err := openLedger(c, log)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	if _, err := os.Stat(filepath.Join(c.DataDir, "ledger.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key was made in the data dir too: %v", err)
	}
}
