package runner

import (
	"maps"
	"slices"
	"strconv"

	"github.com/paas-dev/paas/internal/releases"
)

// processEnv is one process's environment (docs/architecture.md, "Process
// environment"): the release's config vars, then the platform's, which win,
// so an app cannot move its own PORT away from where the router looks. Keys
// are sorted so the same release always gives the same environment. Values
// go to Docker through the API, never through argv, since config vars hold
// secrets.
func processEnv(rel releases.Release, proc string) []string {
	vars := maps.Clone(rel.Config)
	if vars == nil {
		vars = map[string]string{}
	}
	vars["PORT"] = strconv.Itoa(ContainerPort)
	vars["PAAS_APP"] = rel.App
	vars["PAAS_PROCESS"] = proc
	vars["PAAS_RELEASE"] = releaseLabel(rel.Version)
	vars["DYNO"] = proc // Heroku compatibility
	env := make([]string, 0, len(vars))
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, k+"="+vars[k])
	}
	return env
}
