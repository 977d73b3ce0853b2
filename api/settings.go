package api

func settingsPath(app string) string { return v1AppPath(app) + "/settings" }
