package api

import (
	"strconv"
)

// ReleasesPath is the path of an app's releases, "/apps/hello/releases".
func ReleasesPath(app string) string { return AppPath(app) + "/releases" }

// ReleasePath is the path of one release, "/apps/hello/releases/3".
func ReleasePath(app string, version int) string {
	return ReleasesPath(app) + "/" + strconv.Itoa(version)
}
