package platform

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/releases"
)

func TestCheckSourceURL(t *testing.T) {
	p := &Platform{}
	for raw, want := range map[string]string{
		"":                               "source_blob.url is missing",
		"ftp://example.com/a.tar.gz":     "http:// or https://",
		"https://":                       "http:// or https://",
		"http://127.0.0.1/a.tar.gz":      "loopback",
		"http://localhost:8080/a.tar.gz": "this machine",
		"http://169.254.169.254/latest":  "link-local",
		"http://2130706433/a.tar.gz":     "not a name",
		"https://example.com/app.tar.gz": "",
		"https://10.0.0.5/app.tar.gz":    "", // a LAN is allowed, as for drains
	} {
		_, err := p.checkSourceURL(raw)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q refused: %v", raw, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, releases.ErrInvalid)):
			t.Errorf("%q: %v, want an invalid-input error with %q", raw, err, want)
		}
	}
	p.opts.AllowPrivateSources = true
	if _, err := p.checkSourceURL("http://127.0.0.1:9/a.tar.gz"); err != nil {
		t.Errorf("loopback with the setting on: %v", err)
	}
}

func TestParseChecksum(t *testing.T) {
	good := "SHA256:" + strings.Repeat("ab", 32)
	if b, err := parseChecksum(&good); err != nil || len(b) != 32 {
		t.Errorf("%s: %x %v", good, b, err)
	}
	if b, err := parseChecksum(nil); err != nil || b != nil {
		t.Errorf("none: %x %v", b, err)
	}
	for _, bad := range []string{"MD5:abc", "SHA256:xyz", "SHA256:" + strings.Repeat("ab", 31), strings.Repeat("ab", 32)} {
		if _, err := parseChecksum(&bad); !errors.Is(err, releases.ErrInvalid) {
			t.Errorf("%q accepted: %v", bad, err)
		}
	}
}

func TestRedactURL(t *testing.T) {
	u, _ := url.Parse("https://ada:s3cret@bucket.example.com/app.tar.gz?X-Amz-Signature=abc")
	if got := redactURL(u); strings.Contains(got, "s3cret") || strings.Contains(got, "abc") || !strings.Contains(got, "bucket.example.com/app.tar.gz") {
		t.Errorf("redactURL = %q", got)
	}
}

// A build of a source blob is in the ledger from its start: after a
// restart it is listed with the same id and outcome, a failure too, and its
// output is still there.
func TestSourceBuildsOutliveARestart(t *testing.T) {
	f := newFixture(t, 10)
	f.p.opts.AllowPrivateSources = true
	f.p.SetSources(sourcesFunc(func() error { return errBoom }))
	blob := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("not a tarball")) }))
	t.Cleanup(blob.Close)
	f.createApp(t, "hello")
	ctx := context.Background()
	b, err := f.p.CreateBuild(ctx, "hello", api.BuildRequest{SourceBlob: api.SourceBlob{URL: blob.URL + "/app.tgz"}})
	if err != nil || b.Status != api.BuildPending || b.OutputStreamURL == "" || b.Source != "source blob" {
		t.Fatalf("CreateBuild = %+v, %v", b, err)
	}
	waitBuild(t, f.p, "hello", b.ID, api.BuildFailed)

	restarted := New(f.store, f.builder, f.images, f.runner, fakeRoutes{}, f.p.opts)
	t.Cleanup(restarted.Close)
	list, err := restarted.Builds(ctx, "hello")
	if err != nil || len(list) != 1 || list[0].ID != b.ID || list[0].Status != api.BuildFailed ||
		list[0].OutputStreamURL != "" || list[0].SourceBlob.URL != blob.URL+"/app.tgz" || !strings.Contains(list[0].Error, "boom") {
		t.Fatalf("Builds after a restart = %+v, %v", list, err)
	}
	var out bytes.Buffer
	if err := restarted.StreamBuildOutput(ctx, "hello", b.ID[:8], &out, func() {}); err != nil ||
		!strings.Contains(out.String(), "Fetching the source blob") || !strings.Contains(out.String(), "Build failed") {
		t.Errorf("output after a restart = %q, %v", out.String(), err)
	}
}

// waitBuild waits until the app's build id has status want.
func waitBuild(t *testing.T, p *Platform, app, id, want string) api.Build {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, err := p.Builds(context.Background(), app)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range list {
			if b.ID == id && b.Status == want {
				return b
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("build %s did not become %s within 10s: %+v", id, want, list)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Runs whose output URL expired are let go when the next build starts.
func TestExpiredBuildRunsAreDropped(t *testing.T) {
	var bs builds
	old := &buildRun{appID: "a", ended: time.Now().Add(-2 * buildOutputKeep)}
	running := &buildRun{appID: "a"}
	bs.add(old)
	bs.add(running)
	bs.add(&buildRun{appID: "b"})
	if got := bs.runs["a"]; len(got) != 1 || got[0] != running {
		t.Errorf("runs of a = %v, want only the running one", got)
	}
}

// sourcesFunc is a Sources whose every deploy ends with what f returns.
type sourcesFunc func() error

func (s sourcesFunc) DeploySource(context.Context, string, string, string, io.Reader, string, io.Writer) (string, error) {
	return "", s()
}
