package apiserver

import (
	"context"
	"strings"
	"testing"

	"github.com/paas-dev/paas/api"
	"github.com/paas-dev/paas/internal/apiserver/apiservertest"
)

// With automatic certificates on, the domain list carries Heroku's
// acm_status and acm_status_reason.
func TestDomainsCarryACMStatus(t *testing.T) {
	fake := apiservertest.NewPlatform("hello")
	c, _ := newTestServer(t, fake)
	ctx := context.Background()
	if _, err := c.AddDomain(ctx, "hello", "www.example.com"); err != nil {
		t.Fatal(err)
	}
	ds, err := c.DomainList(ctx, "hello")
	if err != nil || len(ds) != 2 || ds[0].AcmStatus != nil {
		t.Fatalf("before: %+v %v", ds, err)
	}
	if _, err := c.SetACM(ctx, "hello", true); err != nil {
		t.Fatal(err)
	}
	ds, err = c.DomainList(ctx, "hello")
	if err != nil || len(ds) != 2 {
		t.Fatalf("after: %+v %v", ds, err)
	}
	for _, d := range ds {
		switch {
		case d.AcmStatus == nil:
			t.Errorf("%s has no acm_status", d.Hostname)
		case d.Kind == api.DomainKindCustom && (*d.AcmStatus != "failing" || d.AcmStatusReason == nil || !strings.Contains(*d.AcmStatusReason, "NXDOMAIN")):
			t.Errorf("%s: %s %v", d.Hostname, *d.AcmStatus, d.AcmStatusReason)
		case d.Kind == api.DomainKindHeroku && *d.AcmStatus != "issued":
			t.Errorf("%s: %s", d.Hostname, *d.AcmStatus)
		}
	}
}
