package api

func limitsPath(app string) string { return appPath(app) + "/limits" }
