package platform

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

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

// A build's output reads from its start, follows what comes, and ends
// with the build; a reader that leaves stops at once.
func TestOutputLog(t *testing.T) {
	var o outputLog
	o.init()
	_, _ = o.Write([]byte("one\n"))
	var got bytes.Buffer
	done := make(chan struct{})
	go func() {
		o.stream(context.Background(), &got, func() {})
		close(done)
	}()
	_, _ = o.Write([]byte("two\n"))
	o.finish()
	<-done
	if got.String() != "one\ntwo\n" {
		t.Errorf("streamed %q", got.String())
	}
	var o2 outputLog
	o2.init()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	o2.stream(ctx, &got, func() {}) // returns: the reader is gone
	if _, err := o2.Write(bytes.Repeat([]byte("x"), maxBuildOutput+1)); err != nil {
		t.Fatal(err)
	}
	if !o2.dropped {
		t.Error("output past the cap was kept")
	}
}
