package platform

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/paas-dev/paas/internal/certs"
	"github.com/paas-dev/paas/internal/releases"
)

// fakeCerts records the hosts each app wants.
type fakeCerts struct {
	mu        sync.Mutex
	hosts     map[string][]string
	forgotten []string
	refreshed []string
	noACME    bool
	dropped   []string
}

func (f *fakeCerts) SetHosts(app string, hosts []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hosts == nil {
		f.hosts = map[string][]string{}
	}
	f.hosts[app] = slices.Clone(hosts)
}

func (f *fakeCerts) Forget(app string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.hosts, app)
	f.forgotten = append(f.forgotten, app)
}

func (f *fakeCerts) Refresh(app string) { f.refreshed = append(f.refreshed, app) }

func (f *fakeCerts) ACME() bool { return !f.noACME }

func (f *fakeCerts) AddUserCert(app string, chain, key []byte) (certs.UserCert, error) {
	return certs.UserCert{}, errors.New("not in this fake")
}

func (f *fakeCerts) RemoveUserCert(app, name string) error { return certs.ErrNoCert }

func (f *fakeCerts) UserCerts(string) []certs.UserCert { return nil }

func (f *fakeCerts) RenameApp(string, string) error { return nil }

func (f *fakeCerts) Destroyed(app string, _ []string) { f.Forget(app) }

func (f *fakeCerts) ForgetHosts(hosts ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dropped = append(f.dropped, hosts...)
}

func (f *fakeCerts) Status(app string) []certs.Status {
	var out []certs.Status
	for _, h := range f.hosts[app] {
		out = append(out, certs.Status{Host: h, App: app, Status: certs.StatusPending})
	}
	return out
}

func TestAutomaticCertificates(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	f.createApp(t, "hello")
	if _, err := f.p.SetACM(ctx, "hello", true); !errors.Is(err, releases.ErrInvalid) {
		t.Errorf("enable without an ACME account: %v", err)
	}
	c := &fakeCerts{}
	f.p.SetCerts(c)
	if _, err := f.p.RefreshACM(ctx, "hello"); !errors.Is(err, releases.ErrInvalid) {
		t.Errorf("refresh while off: %v", err)
	}
	a, err := f.p.SetACM(ctx, "hello", true)
	if err != nil || !a.ACM {
		t.Fatalf("enable: %+v %v", a, err)
	}
	host := "hello." + f.p.opts.Domain
	if got := c.hosts["hello"]; !slices.Equal(got, []string{host}) {
		t.Errorf("hosts after enable: %v", got)
	}
	if _, err := f.p.AddDomain(ctx, "hello", "www.example.com"); err != nil {
		t.Fatal(err)
	}
	if got := c.hosts["hello"]; !slices.Equal(got, []string{host, "www.example.com"}) {
		t.Errorf("hosts after domains:add: %v", got)
	}
	if _, err := f.p.AddDomain(ctx, "hello", "old.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.RemoveDomain(ctx, "hello", "old.example.com"); err != nil || !slices.Equal(c.dropped, []string{"old.example.com"}) {
		t.Errorf("domains:remove: %v, dropped %v", err, c.dropped)
	}
	st, err := f.p.CertStatus(ctx, "hello")
	if err != nil || len(st) != 2 || st[1].Hostname != "www.example.com" || st[1].Status != "pending" {
		t.Errorf("status: %+v %v", st, err)
	}
	if _, err := f.p.RefreshACM(ctx, "hello"); err != nil || !slices.Equal(c.refreshed, []string{"hello"}) {
		t.Errorf("refresh: %v %v", err, c.refreshed)
	}
	// A restarted paasd asks for them again.
	c2 := &fakeCerts{}
	f.p.SetCerts(c2)
	if got := c2.hosts["hello"]; len(got) != 2 {
		t.Errorf("hosts after a restart: %v", got)
	}
	if _, err := f.p.SetACM(ctx, "hello", false); err != nil || c2.hosts["hello"] != nil {
		t.Errorf("disable: %v, hosts %v", err, c2.hosts["hello"])
	}
	if _, err := f.p.SetACM(ctx, "hello", true); err != nil {
		t.Fatal(err)
	}
	if err := f.p.DestroyApp(ctx, "hello"); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c2.forgotten, "hello") || c2.hosts["hello"] != nil {
		t.Errorf("after destroy: forgotten %v, hosts %v", c2.forgotten, c2.hosts)
	}
}
