// Package auth guards the API and git endpoints with one shared token.
package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/paas-dev/paas/internal/datadir"
)

// minTokenLength keeps a configured token out of brute-force reach.
const minTokenLength = 16

// LoadOrCreateToken returns the token to require. A token from the
// environment wins; otherwise the one kept in dataDir is used, and on first
// start a new one is generated and written there with mode 0600. path is the
// token file when one was read or written, so the caller can log where it is
// (never the token itself).
func LoadOrCreateToken(dataDir, fromEnv string) (token, path string, err error) {
	if fromEnv != "" {
		if err := validate(fromEnv); err != nil {
			return "", "", fmt.Errorf("check PAAS_API_TOKEN: %w", err)
		}
		return fromEnv, "", nil
	}
	path = datadir.TokenPath(dataDir)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		token = strings.TrimSpace(string(b))
		if err := validate(token); err != nil {
			return "", "", fmt.Errorf("read token file %s: %w (delete it to generate a new one)", path, err)
		}
		return token, path, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", "", fmt.Errorf("read token file: %w", err)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", "", fmt.Errorf("generate token: %w", err)
	}
	token = hex.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", "", fmt.Errorf("create data dir: %w", err)
	}
	// O_EXCL: never overwrite a token another process just wrote.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", "", fmt.Errorf("write token file: %w", err)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return "", "", fmt.Errorf("write token file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", "", fmt.Errorf("write token file: %w", err)
	}
	return token, path, nil
}

func validate(token string) error {
	if len(token) < minTokenLength {
		return fmt.Errorf("token is %d characters; use at least %d", len(token), minTokenLength)
	}
	for _, r := range token {
		if r <= ' ' || r > '~' {
			return errors.New("token must be printable ASCII without spaces")
		}
	}
	return nil
}
