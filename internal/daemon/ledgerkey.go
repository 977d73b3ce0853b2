package daemon

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/paas-dev/paas/internal/releases"
)

// ledgerKeyFile is where the key of the release digests is kept:
// PAAS_LEDGER_KEY_FILE, or ledger.key in the data dir. A file outside the
// data dir keeps the key from whoever can only write the data dir.
func (c Config) ledgerKeyFile() string {
	if c.LedgerKeyFile != "" {
		return c.LedgerKeyFile
	}
	return filepath.Join(c.DataDir, releases.KeyFile)
}

// openLedger opens the ledger with its key, made at the first start, and
// says what sealing a ledger from before keys did.
func openLedger(cfg Config, log *slog.Logger) (*releases.Store, error) {
	keyFile := cfg.ledgerKeyFile()
	key, fresh, err := releases.LoadKey(keyFile)
	if err != nil {
		return nil, err
	}
	if fresh {
		log.Info("ledger key made: back it up with the data dir, or the release history cannot be verified", "file", keyFile)
	}
	store, err := releases.OpenWithKey(filepath.Join(cfg.DataDir, "paas.db"), key, fresh)
	if err != nil {
		return nil, fmt.Errorf("%w (ledger key file %s)", err, keyFile)
	}
	m := store.Migration()
	if m.Resealed > 0 {
		log.Info("ledger sealed with its key: releases from before keys verified and sealed again", "releases", m.Resealed, "key_file", keyFile)
	}
	for _, v := range m.Broken {
		log.Error("release history did not verify before it was sealed with the key: left as it was", "app", v.App, "first_bad", fmt.Sprintf("v%d", v.FirstBad), "problem", v.Problem)
	}
	return store, nil
}
