package api

func settingsPath(app string) string { return appPath(app) + "/settings" }
