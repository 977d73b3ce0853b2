package apiserver

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

func TestAddonConsole(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, srv := newTestServer(t, fake)
	ctx := context.Background()
	a, err := c.CreateAddon(ctx, "hello", "postgres", "")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := c.AddonConsole(ctx, a.Name, "", strings.NewReader("SELECT 1;\n"), &out, nil)
	if err != nil || res.ExitCode != 0 || out.String() != "SELECT 1;\n" {
		t.Errorf("console reading stdin: %+v %v, output %q", res, err, out.String())
	}
	out.Reset()
	if res, err := c.AddonConsole(ctx, a.Name, "fail", nil, &out, nil); err != nil || res.ExitCode != 1 {
		t.Errorf("console of a failing command: %+v %v", res, err)
	}
	// Before the upgrade: no such add-on is a JSON 404; no upgrade
	// headers, a 426.
	if _, err := c.AddonConsole(ctx, "postgres-9", "SELECT 1", nil, &out, nil); !api.IsNotFound(err) {
		t.Errorf("console of a missing add-on: %v, want a JSON not found", err)
	}
	resp := send(t, srv, http.MethodPost, "/addons/"+a.Name+"/console", `{"command": "SELECT 1"}`)
	if e := decodeError(t, resp); resp.StatusCode != http.StatusUpgradeRequired || !strings.Contains(e.Message, "Upgrade: paas-run") {
		t.Errorf("console without the upgrade headers: %d %+v", resp.StatusCode, e)
	}
	resp = send(t, srv, http.MethodPost, "/addons/"+a.Name+"/console", `{"sql": "SELECT 1"}`)
	if e := decodeError(t, resp); resp.StatusCode/100 != 4 || !strings.Contains(e.Message, "sql") {
		t.Errorf("console with an unknown field: %d %+v", resp.StatusCode, e)
	}
}
