package api

import (
	"net/url"
)

func domainsPath(app string) string { return AppPath(app) + "/domains" }

// DomainPath is the path of one of an app's domains, by host name or id.
func DomainPath(app, domain string) string {
	return domainsPath(app) + "/" + url.PathEscape(domain)
}
