package api

import (
	"net/url"
)

func domainsPath(app string) string { return v1AppPath(app) + "/domains" }

func DomainPath(app, domain string) string {
	return domainsPath(app) + "/" + url.PathEscape(domain)
}
