// Package api is paas's REST API: the wire types, the /v1 handlers the daemon
// mounts, the OpenAPI description (openapi.yaml, also served at
// /v1/openapi.yaml) and the Go client paasctl uses.
package api
