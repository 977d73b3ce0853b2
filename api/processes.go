package api

func processesPath(app string) string { return v1AppPath(app) + "/processes" }
