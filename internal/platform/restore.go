package platform

import (
	"context"
	"fmt"

	"github.com/paas-dev/paas/internal/runner"
)

// Restore routes every app, with its custom domains, and brings each current release back to its
// formation, adopting the containers that outlived a daemon restart.
func (p *Platform) Restore(ctx context.Context) error {
	apps, err := p.store.Apps()
	if err != nil {
		return fmt.Errorf("list apps: %w", err)
	}
	domains := p.domainsByApp()
	var specs []runner.Spec
	for _, a := range apps {
		p.routes.AddApp(a.Name)
		if ds := domains[a.Name]; len(ds) > 0 {
			p.routes.SetDomains(a.Name, ds)
		}
		if st, err := p.store.Settings(a.Name); err == nil {
			if st.Maintenance {
				p.routes.SetMaintenance(a.Name, true)
			}
			if st.HTTPSRedirect || st.HSTS {
				p.routes.SetHTTPS(a.Name, st.HTTPSRedirect, st.HSTS)
			}
		}
		if a.CurrentVersion == 0 {
			continue
		}
		rel, err := p.store.Release(a.Name, a.CurrentVersion)
		if err != nil { // one bad record must not keep the other apps down
			p.log.Error("read current release", "app", a.Name, "version", a.CurrentVersion, "err", err)
			continue
		}
		if rel.Image == "" { // config set before the first deploy: nothing to run
			continue
		}
		spec, err := p.spec(rel)
		if err != nil {
			p.log.Error("read formation", "app", a.Name, "err", err)
			continue
		}
		specs = append(specs, spec)
	}
	return p.runner.Restore(ctx, specs)
}
