package api

import (
	"context"
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
