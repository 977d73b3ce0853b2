package runner

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/paas-dev/paas/internal/releases"
)

// containerSpec is how process proc ("web.1") of rel runs.
func (r *Runner) containerSpec(rel releases.Release, s slot) ContainerSpec {
	return ContainerSpec{
		Name:  containerName(rel.App, s.Process, rel.Version),
		Image: rel.Image,
		Cmd:   command(rel, s.Type),
		Env:   processEnv(rel, s.Process),
		Labels: map[string]string{
			LabelApp:     rel.App,
			LabelRelease: releaseLabel(rel.Version),
			LabelProcess: s.Process,
			LabelDaemon:  r.opts.DaemonID,
		},
		Port: ContainerPort,
	}
}

// command runs the Procfile's command for the type through a shell, as
// Heroku does, so $PORT and other variables expand; without one the image's
// own CMD runs.
func command(rel releases.Release, typ string) []string {
	cmd, ok := rel.Processes[typ]
	if !ok || strings.TrimSpace(cmd) == "" {
		return nil
	}
	return []string{"/bin/sh", "-c", cmd}
}

// containerName is readable in `docker ps` and unique, since an old and a new
// container of the same process and release can exist at once (a redeploy).
func containerName(app, proc string, version int) string {
	return fmt.Sprintf("paas-%s-%s-%s-%s", app, proc, releaseLabel(version), randomHex())
}

func randomHex() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func releaseLabel(version int) string { return "v" + strconv.Itoa(version) }

// parseReleaseLabel reads "v3"; 0 means the label is not one of ours.
func parseReleaseLabel(s string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "v"))
	if err != nil || !strings.HasPrefix(s, "v") || n < 1 {
		return 0
	}
	return n
}
