package api

func processesPath(app string) string { return appPath(app) + "/processes" }
