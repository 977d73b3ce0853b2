// Package datadir says where paasd keeps its state, so the daemon and a local
// paasctl agree without configuration.
package datadir

import (
	"os"
	"path/filepath"
)

// Env names the variable that overrides the data directory.
const Env = "PAAS_DATA_DIR"

// TokenFile is the name of the generated API token inside the data directory.
const TokenFile = "api-token"

// Default returns $PAAS_DATA_DIR, else /var/lib/paas for root, else
// $XDG_DATA_HOME/paas (~/.local/share/paas).
func Default() string {
	if d := os.Getenv(Env); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/lib/paas"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "paas")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "paas")
	}
	return filepath.Join(home, ".local", "share", "paas")
}

// SocketFile is the unix socket in the data directory on which paasd serves
// its API to local clients.
const SocketFile = "paasd.sock"

// SocketPath is where paasd's local API socket is in dir.
func SocketPath(dir string) string { return filepath.Join(dir, SocketFile) }

// TokenPath is where a generated API token is kept in dir.
func TokenPath(dir string) string { return filepath.Join(dir, TokenFile) }
