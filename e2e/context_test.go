package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/paas-dev/paas/internal/dockertest"
)

// A small push whose one file is named by many tree entries would make a
// huge build context: it is refused before the build, and the running
// release stays.
func TestBuildContextBombIsRefused(t *testing.T) {
	cli := dockertest.Client(t)
	base := dockertest.BusyboxImage(t, cli)
	d := startDaemon(t, daemonOptions{env: []string{"PAAS_BUILD_CONTEXT_MAX=8m"}})
	app, repo := procfileApp(t, d, base, webCmd)
	assertServes(t, d, app, "v1\n")

	b := make([]byte, 512<<10)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	blob := hex.EncodeToString(b) // 1 MiB that does not compress, stored once
	for i := range 21 {
		repo.write(fmt.Sprintf("copies/%02d", i), blob)
	}
	repo.commit("twenty-one names for one file")
	out, err := repo.push()
	if err == nil || !strings.Contains(out, "more than 8 MiB (PAAS_BUILD_CONTEXT_MAX)") {
		t.Fatalf("push of a 21 MiB build context under an 8 MiB limit: %v\n%s", err, out)
	}
	if strings.Contains(out, "Step 1/") {
		t.Errorf("the build started:\n%s", out)
	}
	assertServes(t, d, app, "v1\n")
}
