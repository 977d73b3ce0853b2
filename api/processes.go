package api

// processesPath is the app's dynos, as Heroku names processes.
func processesPath(app string) string { return AppPath(app) + "/dynos" }
