package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDaemonID(t *testing.T) {
	dir := t.TempDir()
	id, err := loadDaemonID(dir)
	if err != nil || !daemonIDPattern.MatchString(id) {
		t.Fatalf("first load = %q, %v", id, err)
	}
	again, err := loadDaemonID(dir)
	if err != nil || again != id {
		t.Fatalf("second load = %q, %v; want %q", again, err, id)
	}
	if err := os.WriteFile(filepath.Join(dir, "daemon-id"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadDaemonID(dir); err == nil || !strings.Contains(err.Error(), "delete the file") {
		t.Fatalf("empty daemon-id: err = %v", err)
	}
}
