package api

import (
	"net/url"
	"time"
)

// AddonProvisionProcess names the platform's lines about an add-on's
// provisioning in the app's log stream (paas[provision]): progress, such as
// the making of its service's image on first use. addons:create shows them.
const AddonProvisionProcess = "provision"

// Addon is a backing service an app owns, in the shape of Heroku's add-on:
// a Postgres or a Redis that paasd runs, attached to apps through config
// vars.
type Addon struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// AddonService and Plan are Heroku's: paas has one plan per service.
	AddonService NameRef `json:"addon_service"`
	Plan         NameRef `json:"plan"`
	App          IDRef   `json:"app"` // its owner
	State        string  `json:"state"`
	// ConfigVars are the vars its attachments set on the owner.
	ConfigVars []string  `json:"config_vars"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// paas's own: every attachment, and the URL when asked for
	// (?show_url=1), which holds its password.
	Attachments []AddonAttachment `json:"attachments"`
	URL         string            `json:"url,omitempty"`
	// BackupAt is the time of day, UTC, of its daily backup ("" none).
	BackupAt string `json:"backup_at,omitempty"`
	// ServiceState is the engine's word for its service's container:
	// running, restarting, exited, missing.
	ServiceState string `json:"service_state,omitempty"`
}

// AddonAttachment is an app given an add-on's URL in the config var
// <Name>_URL.
type AddonAttachment struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"` // "DATABASE"
	App   NameRef `json:"app"`
	Addon NameRef `json:"addon"`
}

// NameRef names a resource, with its id when it has one.
type NameRef struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// AddonRequest is the body of POST /apps/{app}/addons: Plan names the
// service ("postgres", "redis", or Heroku's "heroku-postgresql:mini").
type AddonRequest struct {
	Plan       string `json:"plan"`
	Attachment struct {
		Name string `json:"name,omitempty"` // the config var prefix: DATABASE
	} `json:"attachment"`
}

// AddonsPath is the app's add-ons; AddonPath one add-on, by name or id.
func AddonsPath(app string) string  { return AppPath(app) + "/addons" }
func AddonPath(addon string) string { return "/addons/" + url.PathEscape(addon) }

// AttachmentRequest is the body of POST /addon-attachments: the add-on (name
// or id), the app to give it to, and the config var prefix ("" picks one).
type AttachmentRequest struct {
	Addon string `json:"addon"`
	App   string `json:"app"`
	Name  string `json:"name,omitempty"`
}

// Backup is one captured dump of a Postgres add-on (pg_dump's custom
// format): paas's own.
type Backup struct {
	ID        string    `json:"id"` // "b3"
	Addon     NameRef   `json:"addon"`
	Size      int64     `json:"size"`
	Duration  float64   `json:"duration_seconds"`
	Scheduled bool      `json:"scheduled"`
	CreatedAt time.Time `json:"created_at"`
}

// BackupSchedule is the body of PUT /addons/{addon}/backup-schedule: the
// time of day, UTC, of a daily backup ("02:00"); "" stops it.
type BackupSchedule struct {
	At string `json:"at"`
}

// BackupsPath is an add-on's backups; BackupPath one, by id ("b3") or
// "latest".
func BackupsPath(addon string) string    { return AddonPath(addon) + "/backups" }
func BackupPath(addon, id string) string { return BackupsPath(addon) + "/" + url.PathEscape(id) }

// ConsoleRequest attaches to an add-on's own client, psql or redis-cli,
// over the run protocol (POST /addons/{addon}/console).
type ConsoleRequest struct {
	// Command is what the client runs instead of reading its input: SQL
	// for psql, a command and its arguments for redis-cli.
	Command string `json:"command,omitempty"`
}

// ConsolePath is where a client attaches to the add-on's console.
func ConsolePath(addon string) string { return AddonPath(addon) + "/console" }
