package api

func limitsPath(app string) string { return AppPath(app) + "/limits" }
