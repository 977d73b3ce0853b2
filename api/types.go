package api

import "time"

// App is an app as the API shows it.
type App struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// WebURL is where the router serves the app, e.g. "http://hello.localhost:8080/".
	WebURL string `json:"web_url"`
	// GitURL is where to push to deploy, e.g. "http://127.0.0.1:7070/git/hello.git".
	GitURL string `json:"git_url"`
	// CurrentRelease is the live release's version; 0 means never deployed.
	CurrentRelease int       `json:"current_release"`
	Commit         string    `json:"commit,omitempty"`
	Processes      []Process `json:"processes"`
}

// Process is one running container of an app.
type Process struct {
	Name      string    `json:"name"`  // "web.1"
	State     string    `json:"state"` // "up", "crashed", "starting"
	Release   int       `json:"release"`
	StartedAt time.Time `json:"started_at"`
}

// CreateAppRequest is the body of POST /v1/apps.
type CreateAppRequest struct {
	Name string `json:"name"`
}
