package api

import (
	"strconv"
)

func ReleasesPath(app string) string { return v1AppPath(app) + "/releases" }

func ReleasePath(app string, version int) string {
	return ReleasesPath(app) + "/v" + strconv.Itoa(version)
}
