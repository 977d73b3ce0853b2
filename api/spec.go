package api

import _ "embed" // the spec ships inside the binaries

// OpenAPISpec is the API's OpenAPI 3 description, which paasd serves.
//
//go:embed openapi.yaml
var OpenAPISpec []byte
