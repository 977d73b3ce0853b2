package api

import "time"

// Build is one build of an app, as Heroku's Platform API shows it: from a
// git push or from a source blob (POST /apps/{app}/builds), with its status
// and where its output streams.
type Build struct {
	ID     string `json:"id"`
	App    IDRef  `json:"app"`
	Status string `json:"status"` // "pending", "succeeded", "failed"
	// OutputStreamURL streams the build's output, plain text, without the
	// token, while the build runs and for a while after; empty for a build
	// from a push, whose output went to git.
	OutputStreamURL string     `json:"output_stream_url"`
	SourceBlob      SourceBlob `json:"source_blob"`
	// Release is the release the build made, once it went live.
	Release    *IDRef     `json:"release"`
	Slug       *IDRef     `json:"slug"`
	Stack      string     `json:"stack"`
	Buildpacks []struct{} `json:"buildpacks"`
	User       AccountRef `json:"user"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	// Commit is the git commit built: a push's, or the one paas made of a
	// source blob's tree.
	Commit string `json:"commit,omitempty"`
}

// SourceBlob is where a build's source is: a gzip-compressed tar archive at
// URL, with an optional checksum ("SHA256:<hex>") and version.
type SourceBlob struct {
	URL                string  `json:"url"`
	Checksum           *string `json:"checksum"`
	Version            *string `json:"version"`
	VersionDescription *string `json:"version_description"`
}

// BuildRequest is the body of POST /apps/{app}/builds.
type BuildRequest struct {
	SourceBlob SourceBlob `json:"source_blob"`
}

// Build statuses.
const (
	BuildPending   = "pending"
	BuildSucceeded = "succeeded"
	BuildFailed    = "failed"
)

// BuildOutputPath is where a build's output streams, by the secret in its
// output_stream_url; it takes no token.
const BuildOutputPath = "/build-output/"

// GeneratedDockerfile is what GET /apps/{app}/dockerfile answers, paas's
// own: how the app's deployed commit is built, and the Dockerfile for it,
// which a user can add to the repository to own the build (eject).
type GeneratedDockerfile struct {
	Commit string `json:"commit"`
	// Builder is the language ("go", "node", "python", "static"), or
	// "dockerfile" when the app builds from its own, which Dockerfile is.
	Builder    string `json:"builder"`
	Name       string `json:"name"`    // as the push shows it: "Go"
	Version    string `json:"version"` // the toolchain's, "" when none
	Dockerfile string `json:"dockerfile"`
}

// DockerfilePath is where an app's GeneratedDockerfile is.
func DockerfilePath(app string) string { return AppPath(app) + "/dockerfile" }
