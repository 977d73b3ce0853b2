package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// credentials is what paasctl login saves: the server later commands talk
// to. Its token goes to ~/.netrc (netrc.go); Token is read only from files
// written before that, and dropped by the next login or logout.
type credentials struct {
	URL   string `json:"url"`
	Token string `json:"token,omitempty"`
}

// credentialsPath is ~/.config/paas/credentials.json on Linux.
func credentialsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory for credentials: %w (set HOME or XDG_CONFIG_HOME)", err)
	}
	return filepath.Join(dir, "paas", "credentials.json"), nil
}

// loadCredentials returns nil, and no error, when nothing was saved.
func loadCredentials() (*credentials, error) {
	path, err := credentialsPath()
	if err != nil {
		return nil, nil // without a config directory there is nothing saved
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	var c credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("read credentials %s: %w: run paasctl login to write it again", path, err)
	}
	return &c, nil
}

// saveCredentials writes c readable by the user alone, replacing the file in
// one step so that a failure never leaves half a token behind.
func saveCredentials(c credentials) (string, error) {
	path, err := credentialsPath()
	if err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", fmt.Errorf("save credentials: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("save credentials: %w", err)
	}
	// The directory is ours alone even if something else created it first.
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("save credentials: %w", err)
	}
	if err := writePrivateFile(path, append(b, '\n')); err != nil {
		return "", fmt.Errorf("save credentials: %w", err)
	}
	return path, nil
}

// removeCredentials deletes the saved server; none saved is not an error.
func removeCredentials() error {
	path, err := credentialsPath()
	if err != nil {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove credentials: %w", err)
	}
	return nil
}
