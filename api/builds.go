package api

import (
	"net/url"
	"time"
)

// Build is one build of an app, as Heroku's Platform API shows it: from a
// git push or from a source blob (POST /apps/{app}/builds), with its status
// and where its output streams.
type Build struct {
	ID  string `json:"id"`
	App IDRef  `json:"app"`
	// Status is "pending" (queued, or fetching its source), "building",
	// "succeeded", "failed" or "cancelled".
	Status string `json:"status"`
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

	// paas's own, beside Heroku's fields.

	// Source is where the build came from: "git push", "source blob" or
	// "image" (paasctl deploy --image).
	Source string `json:"source,omitempty"`
	// Builder is how it was built: "dockerfile", a language ("go",
	// "node", "python", "static"), or "image"; "" until known.
	Builder string `json:"builder,omitempty"`
	// Image is the image a deploy --image named.
	Image string `json:"image,omitempty"`
	// StartedAt is when it left the build queue; with UpdatedAt of a
	// finished build, how long it took.
	StartedAt *time.Time `json:"started_at,omitempty"`
	// Error is why it failed or was cancelled.
	Error string `json:"error,omitempty"`
}

// SourceBlob is where a build's source is: a gzip-compressed tar archive at
// URL, with an optional checksum ("SHA256:<hex>") and version.
type SourceBlob struct {
	URL                string  `json:"url"`
	Checksum           *string `json:"checksum"`
	Version            *string `json:"version"`
	VersionDescription *string `json:"version_description"`
}

// BuildRequest is the body of POST /apps/{app}/builds: a source blob, or
// (paas's own) an image the engine has, released without a build as
// Dokku's git:from-image does.
type BuildRequest struct {
	SourceBlob SourceBlob `json:"source_blob"`
	Image      string     `json:"image,omitempty"`
}

// Build statuses.
const (
	BuildPending   = "pending"
	BuildBuilding  = "building"
	BuildSucceeded = "succeeded"
	BuildFailed    = "failed"
	BuildCancelled = "cancelled"
)

// BuildOutputURLPath streams a build's output, with the token, whenever it
// ran: GET follows a build still running to its end.
func BuildOutputURLPath(app, build string) string {
	return AppPath(app) + "/builds/" + url.PathEscape(build) + "/output"
}

// BuildCancelPath cancels a pending or building build (POST).
func BuildCancelPath(app, build string) string {
	return AppPath(app) + "/builds/" + url.PathEscape(build) + "/actions/cancel"
}

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
