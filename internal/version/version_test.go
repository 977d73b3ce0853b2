package version

import (
	"strings"
	"testing"
)

func TestLinkerFlagsWin(t *testing.T) {
	oldV, oldC := Version, Commit
	t.Cleanup(func() { Version, Commit = oldV, oldC })
	Version, Commit = "v9.9.9", "0123456789abcdef0123"
	i := Get()
	if i.Version != "v9.9.9" || i.Commit != "0123456789abcdef0123" {
		t.Fatalf("Get() = %+v, want the stamped version and commit", i)
	}
	if s := i.String(); !strings.HasPrefix(s, "v9.9.9 (commit 0123456789ab") {
		t.Fatalf("String() = %q, want the version and a 12-digit commit", s)
	}
}

func TestUnstampedSaysSo(t *testing.T) {
	oldV, oldC := Version, Commit
	t.Cleanup(func() { Version, Commit = oldV, oldC })
	Version, Commit = "", ""
	i := Get()
	if i.Version == "" || i.Commit == "" || i.Go == "" {
		t.Fatalf("Get() = %+v, want every field filled", i)
	}
}
