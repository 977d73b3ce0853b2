package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
	"github.com/paas-dev/paas/internal/releases"
)

func TestAppsLifecycle(t *testing.T) {
	c, _ := newTestServer(t, apiservertest.NewPlatform())
	ctx := context.Background()

	apps, err := c.Apps(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(apps) != 0 {
		t.Fatalf("list before create = %v, want none", apps)
	}

	created, err := c.CreateApp(ctx, "hello")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if created.Name != "hello" || created.WebURL != "http://hello.localhost:8080/" || created.GitURL != "http://127.0.0.1:7070/git/hello.git" {
		t.Errorf("created = %+v", created)
	}
	if created.Processes == nil {
		t.Error("created.Processes is nil, want [] on the wire")
	}

	got, err := c.App(ctx, "hello")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Name != "hello" || !got.CreatedAt.Equal(created.CreatedAt) {
		t.Errorf("get = %+v, want %+v", got, created)
	}

	apps, err = c.Apps(ctx)
	if err != nil || len(apps) != 1 || apps[0].Name != "hello" {
		t.Fatalf("list after create = %v, %v; want [hello]", apps, err)
	}

	gone, err := c.DestroyApp(ctx, "hello")
	if err != nil || gone.Name != "hello" || gone.ID != created.ID {
		t.Fatalf("destroy = %+v, %v; want the app as it was", gone, err)
	}
	if _, err := c.App(ctx, "hello"); !api.IsNotFound(err) {
		t.Fatalf("get after destroy: err = %v, want not_found", err)
	}
}

func TestCreateAppStatus(t *testing.T) {
	_, srv := newTestServer(t, apiservertest.NewPlatform())
	resp := send(t, srv, http.MethodPost, "/apps", `{"name":"hello"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, want 201", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/apps/hello" {
		t.Errorf("Location = %q", loc)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		id     string
	}{
		{"not found", fmt.Errorf("get app: app %q: %w", "x", releases.ErrNotFound), http.StatusNotFound, api.IDNotFound},
		{"exists", fmt.Errorf("create app: %w", releases.ErrExists), http.StatusConflict, api.IDConflict},
		{"invalid", fmt.Errorf("%w app name", releases.ErrInvalid), http.StatusUnprocessableEntity, api.IDInvalid},
		{"other", errors.New("disk on fire"), http.StatusInternalServerError, api.IDInternal},
		{"api error passes through", &api.Error{StatusCode: http.StatusConflict, ID: api.IDConflict, Message: "busy"}, http.StatusConflict, api.IDConflict},
		{"api error without status", &api.Error{Message: "odd"}, http.StatusInternalServerError, api.IDInternal},
	}
	calls := map[string]func(c *api.Client) error{
		"list":    func(c *api.Client) error { _, err := c.Apps(context.Background()); return err },
		"create":  func(c *api.Client) error { _, err := c.CreateApp(context.Background(), "hello"); return err },
		"get":     func(c *api.Client) error { _, err := c.App(context.Background(), "hello"); return err },
		"destroy": func(c *api.Client) error { _, err := c.DestroyApp(context.Background(), "hello"); return err },
		"config":  func(c *api.Client) error { _, err := c.Config(context.Background(), "hello"); return err },
		"update config": func(c *api.Client) error {
			v := "x"
			_, _, err := c.UpdateConfig(context.Background(), "hello", api.ConfigUpdate{"FOO": &v})
			return err
		},
		"releases": func(c *api.Client) error { _, err := c.Releases(context.Background(), "hello"); return err },
		"release":  func(c *api.Client) error { _, err := c.Release(context.Background(), "hello", 1); return err },
		"rollback": func(c *api.Client) error { _, err := c.Rollback(context.Background(), "hello", 0); return err },
		"verify":   func(c *api.Client) error { _, err := c.VerifyReleases(context.Background(), "hello"); return err },
		"diff":     func(c *api.Client) error { _, err := c.DiffReleases(context.Background(), "hello", 1, 2); return err },
	}
	for _, tt := range tests {
		for call, do := range calls {
			t.Run(tt.name+"/"+call, func(t *testing.T) {
				fake := apiservertest.NewPlatform("hello")
				fake.Err = tt.err
				c, _ := newTestServer(t, fake)
				var apiErr *api.Error
				if err := do(c); !errors.As(err, &apiErr) {
					t.Fatalf("err = %#v, want *Error", err)
				}
				if apiErr.StatusCode != tt.status || apiErr.ID != tt.id {
					t.Errorf("got %d %q, want %d %q", apiErr.StatusCode, apiErr.ID, tt.status, tt.id)
				}
				if apiErr.Message == "" {
					t.Error("empty message")
				}
			})
		}
	}
}

func TestErrorsFromLedger(t *testing.T) {
	c, _ := newTestServer(t, apiservertest.NewPlatform("hello"))
	ctx := context.Background()
	tests := []struct {
		name string
		do   func() error
		id   string
	}{
		{"create existing", func() error { _, err := c.CreateApp(ctx, "hello"); return err }, api.IDConflict},
		{"create bad name", func() error { _, err := c.CreateApp(ctx, "Bad_Name"); return err }, api.IDInvalid},
		{"get missing", func() error { _, err := c.App(ctx, "nope"); return err }, api.IDNotFound},
		{"destroy missing", func() error { _, err := c.DestroyApp(ctx, "nope"); return err }, api.IDNotFound},
		{"config of missing app", func() error { _, err := c.Config(ctx, "nope"); return err }, api.IDNotFound},
		{"releases of missing app", func() error { _, err := c.Releases(ctx, "nope"); return err }, api.IDNotFound},
		{"verify missing app", func() error { _, err := c.VerifyReleases(ctx, "nope"); return err }, api.IDNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var apiErr *api.Error
			if err := tt.do(); !errors.As(err, &apiErr) || apiErr.ID != tt.id {
				t.Fatalf("err = %v, want id %q", err, tt.id)
			}
		})
	}
}
