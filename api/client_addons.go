package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// addonTimeout bounds an add-on's creation: the first makes its service's
// image, from Debian's packages.
const addonTimeout = 15 * time.Minute

// CreateAddon provisions a service (plan "postgres", "redis") for app and
// attaches it as name ("" for the service's usual var).
func (c *Client) CreateAddon(ctx context.Context, app, plan, name string) (Addon, error) {
	req := AddonRequest{Plan: plan}
	req.Attachment.Name = name
	var a Addon
	err := c.doWithin(ctx, addonTimeout, http.MethodPost, AddonsPath(app), req, &a)
	return a, err
}

// Addons lists app's add-ons, or every app's for "".
func (c *Client) Addons(ctx context.Context, app string) ([]Addon, error) {
	path := "/addons"
	if app != "" {
		path = AddonsPath(app)
	}
	return listAll[Addon](ctx, c, path, "name ..; max=1000")
}

// Addon is one add-on, by name or id, with its URL when showURL.
func (c *Client) Addon(ctx context.Context, ident string, showURL bool) (Addon, error) {
	path := AddonPath(ident)
	if showURL {
		path += "?show_url=1"
	}
	var a Addon
	err := c.do(ctx, http.MethodGet, path, nil, &a)
	return a, err
}

// DestroyAddon detaches an add-on from every app and removes it, data and
// all.
func (c *Client) DestroyAddon(ctx context.Context, ident string) error {
	return c.doWithin(ctx, addonTimeout, http.MethodDelete, AddonPath(ident), nil, nil)
}

// AttachAddon gives app the add-on too, as <name>_URL ("" picks a name).
func (c *Client) AttachAddon(ctx context.Context, addon, app, name string) (AddonAttachment, error) {
	var at AddonAttachment
	err := c.do(ctx, http.MethodPost, "/addon-attachments", AttachmentRequest{Addon: addon, App: app, Name: name}, &at)
	return at, err
}

// DetachAddon takes the add-on away from app, unsetting its config var.
func (c *Client) DetachAddon(ctx context.Context, addon, app string) error {
	a, err := c.Addon(ctx, addon, false)
	if err != nil {
		return err
	}
	for _, at := range a.Attachments {
		if at.App.Name == app || at.App.ID == app {
			return c.do(ctx, http.MethodDelete, "/addon-attachments/"+at.ID, nil, nil)
		}
	}
	return &Error{StatusCode: http.StatusNotFound, ID: IDNotFound, Message: "add-on " + a.Name + " is not attached to " + app + ": paasctl addons:info " + a.Name + " lists its attachments"}
}

// CaptureBackup dumps a Postgres add-on now.
func (c *Client) CaptureBackup(ctx context.Context, addon string) (Backup, error) {
	var b Backup
	err := c.doWithin(ctx, addonTimeout, http.MethodPost, BackupsPath(addon), nil, &b)
	return b, err
}

// Backups lists a Postgres add-on's backups, oldest first.
func (c *Client) Backups(ctx context.Context, addon string) ([]Backup, error) {
	var bs []Backup
	err := c.do(ctx, http.MethodGet, BackupsPath(addon), nil, &bs)
	return bs, err
}

// RestoreBackup puts a backup ("latest": the newest) back into its add-on.
func (c *Client) RestoreBackup(ctx context.Context, addon, id string) (Backup, error) {
	var b Backup
	err := c.doWithin(ctx, addonTimeout, http.MethodPost, BackupPath(addon, id)+"/actions/restore", nil, &b)
	return b, err
}

// SetBackupSchedule makes a Postgres add-on back up daily at HH:MM, UTC
// ("" stops it).
func (c *Client) SetBackupSchedule(ctx context.Context, addon, at string) (Addon, error) {
	var a Addon
	err := c.do(ctx, http.MethodPut, AddonPath(addon)+"/backup-schedule", BackupSchedule{At: at}, &a)
	return a, err
}

// DownloadBackup copies a backup's file ("latest": the newest) into w,
// without a time limit once it has started.
func (c *Client) DownloadBackup(ctx context.Context, addon, id string, w io.Writer) error {
	if err := c.stream(ctx, BackupPath(addon, id)+"/download", w); err != nil {
		return fmt.Errorf("download the backup: %w", err)
	}
	return nil
}
