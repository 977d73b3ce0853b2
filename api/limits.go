package api

func limitsPath(app string) string { return v1AppPath(app) + "/limits" }
