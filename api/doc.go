// Package api is paas's REST API as a client sees it: the wire types, in
// the shape of Heroku's Platform API v3 with paas's own resources beside,
// the OpenAPI description (openapi.yaml, also served at /openapi.yaml), the
// attached-run protocol, and the Go client paasctl uses. It imports nothing
// of paasd's insides; internal/apiserver serves it.
package api
