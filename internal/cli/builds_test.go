package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

// builds, builds:info, builds:output, builds:cancel and deploy --image,
// against the API's fake.
func TestBuildsCommands(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	startDaemon(t, fake)
	paasctl(t, "", "builds", "-a", "hello").mustSucceed(t)
	paasctl(t, "", "builds:info", "-a", "hello").mustFail(t, "no builds yet")
	paasctl(t, "", "deploy", "-a", "hello").mustFail(t, "--image NAME[:TAG]")

	out := paasctl(t, "", "deploy", "--image", "web:1", "-a", "hello").mustSucceed(t)
	if !strings.Contains(out, "built") {
		t.Errorf("deploy output = %q", out)
	}
	list := paasctl(t, "", "builds", "-a", "hello").mustSucceed(t)
	if !strings.Contains(list, "succeeded") || !strings.Contains(list, "image web:1") {
		t.Errorf("builds = %q", list)
	}
	var bs []api.Build
	if err := json.Unmarshal([]byte(paasctl(t, "", "builds", "-a", "hello", "--json").mustSucceed(t)), &bs); err != nil || len(bs) != 1 {
		t.Fatalf("builds --json = %+v, %v", bs, err)
	}
	info := paasctl(t, "", "builds:info", bs[0].ID[:8], "-a", "hello").mustSucceed(t)
	if !strings.Contains(info, "Builder:") || !strings.Contains(info, "image") {
		t.Errorf("builds:info = %q", info)
	}
	if got := paasctl(t, "", "builds:output", "-a", "hello").mustSucceed(t); got != "built\n" {
		t.Errorf("builds:output = %q", got)
	}
	paasctl(t, "", "builds:info", "ffffffff", "-a", "hello").mustFail(t, "no build ffffffff", "paasctl builds")
	paasctl(t, "", "builds:output", "ffffffff", "-a", "hello").mustFail(t, "not found", "paasctl builds")
	paasctl(t, "", "builds:cancel", "-a", "hello").mustFail(t, "succeeded already")

	if _, err := fake.CreateBuild(t.Context(), "hello", api.BuildRequest{SourceBlob: api.SourceBlob{URL: "https://example.com/a.tgz"}}); err != nil {
		t.Fatal(err)
	}
	if got := paasctl(t, "", "builds:cancel", "-a", "hello").mustSucceed(t); !strings.Contains(got, "Cancelling build") {
		t.Errorf("builds:cancel = %q", got)
	}
	if list := paasctl(t, "", "builds", "-a", "hello").mustSucceed(t); !strings.Contains(list, "cancelled") {
		t.Errorf("builds after a cancel = %q", list)
	}
}
