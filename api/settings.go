package api

func settingsPath(app string) string { return AppPath(app) + "/settings" }
