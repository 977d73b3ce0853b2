package router

import "strings"

// hostname reduces a Host header to the name the table is keyed by: no port,
// no trailing dot, lower case. It allocates only when the header has upper
// case letters, which clients rarely send.
func hostname(host string) string {
	// The last colon starts a port unless it is inside an IPv6 literal ("[::1]").
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host[i:], ']') < 0 {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	return strings.ToLower(host)
}

// port returns the port of a Host header, or "" when it has none.
func port(host string) string {
	i := strings.LastIndexByte(host, ':')
	if i < 0 || strings.IndexByte(host[i:], ']') >= 0 {
		return ""
	}
	p := host[i+1:]
	if p == "" {
		return ""
	}
	for j := 0; j < len(p); j++ {
		if p[j] < '0' || p[j] > '9' {
			return ""
		}
	}
	return p
}
