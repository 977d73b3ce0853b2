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

// Release is one entry of an app's append-only release ledger: a build and a
// set of config vars, numbered v1, v2, ... Config values never appear in it.
type Release struct {
	Version int `json:"version"`
	// Description says what made the release: "Deploy 1a2b3c4",
	// "Set FOO, BAR config vars", "Rollback to v3".
	Description string    `json:"description"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	Status      string    `json:"status"`  // "pending", "succeeded", "failed"
	Current     bool      `json:"current"` // the release now live
	BuildID     int       `json:"build_id"`
	Commit      string    `json:"commit"`
	Image       string    `json:"image"`
	// ConfigKeys are the names of the release's config vars, sorted.
	ConfigKeys   []string `json:"config_keys"`
	ProcessTypes []string `json:"process_types"` // sorted
	// Digest covers the release's content and the previous release's digest.
	Digest string `json:"digest"`
}

// ConfigVars is an app's config, the body of GET /v1/apps/{app}/config.
type ConfigVars map[string]string

// ConfigUpdate is the body of PATCH /v1/apps/{app}/config, Heroku's shape: a
// string sets the key, null (a nil pointer) unsets it.
type ConfigUpdate map[string]*string

// RollbackRequest is the body of POST /v1/apps/{app}/releases.
type RollbackRequest struct {
	// Version is the release to roll back to; 0 means the one before the
	// current release.
	Version int `json:"rollback_to"`
}

// Verification is the result of checking an app's release digest chain.
type Verification struct {
	App     string `json:"app"`
	OK      bool   `json:"ok"`
	Checked int    `json:"checked"` // releases checked
	// FirstBad is the first release that does not match its digest, or
	// whose link to the previous release is broken; 0 when OK.
	FirstBad int    `json:"first_bad,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// ReleaseDiff says what changed from one release to another. Config vars are
// compared by name and value but reported by name only.
type ReleaseDiff struct {
	From             int      `json:"from"`
	To               int      `json:"to"`
	CommitFrom       string   `json:"commit_from"`
	CommitTo         string   `json:"commit_to"`
	ImageFrom        string   `json:"image_from"`
	ImageTo          string   `json:"image_to"`
	ConfigAdded      []string `json:"config_added"`
	ConfigRemoved    []string `json:"config_removed"`
	ConfigChanged    []string `json:"config_changed"`
	ProcessesAdded   []string `json:"processes_added"`
	ProcessesRemoved []string `json:"processes_removed"`
	ProcessesChanged []string `json:"processes_changed"`
}
